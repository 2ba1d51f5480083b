package soak

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: a request, sampler or server the soak
// started and did not stop.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
