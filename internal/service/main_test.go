package service_test

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: a server, cache, mailer or background
// loop that Run did not stop on its way out.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
