package bench

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: a server, proxy or load the bench
// started and did not stop.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
