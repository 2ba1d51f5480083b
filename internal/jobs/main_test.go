package jobs

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: every client a test starts must stop.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
