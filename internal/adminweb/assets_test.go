package adminweb

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVendoredHtmxMatchesItsRecord: the embedded htmx is the file `make panel-asset` recorded in
// assets/README.md, byte for byte, so a hand edit or a half-finished update fails here.
func TestVendoredHtmxMatchesItsRecord(t *testing.T) {
	t.Parallel()
	js, err := assets.ReadFile("assets/htmx.min.js")
	require.NoError(t, err)
	readme, err := os.ReadFile("assets/README.md")
	require.NoError(t, err)
	sum := sha256.Sum256(js)
	require.Contains(t, string(readme), "sha256 of htmx.min.js: `"+hex.EncodeToString(sum[:])+"`")
	_, err = os.Stat("assets/htmx.LICENSE")
	require.NoError(t, err, "the licence travels with the file")
}
