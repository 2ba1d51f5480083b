package admin_test

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: an instance's server, pool, caches or
// Valkey client that apptest did not stop, or a request a test left running.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
