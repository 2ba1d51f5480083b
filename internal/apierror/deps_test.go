package apierror

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDependsOnNoCacheClient keeps the error mapping below the infrastructure it classifies: a dependency
// that can be unavailable says so through an Unavailable() bool method (see isUnavailable), so this package
// never imports the Valkey client or Homekeep's connection to it.
func TestDependsOnNoCacheClient(t *testing.T) {
	t.Parallel()
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", "github.com/homekeep/homekeep/internal/apierror").Output()
	require.NoError(t, err, "go list")
	for _, dep := range strings.Fields(string(out)) {
		for _, forbidden := range []string{"github.com/valkey-io/", "github.com/homekeep/homekeep/internal/valkeyconn"} {
			require.False(t, strings.HasPrefix(dep, forbidden), "internal/apierror depends on %s", dep)
		}
	}
}
