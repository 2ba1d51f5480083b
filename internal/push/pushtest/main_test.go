package pushtest_test

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: a server or a channel's connection
// that a constructor's clean-up left open.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
