package gorush

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: a test server or a connection left
// open.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
