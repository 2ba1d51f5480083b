package filesweep_test

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them, such as a sweep loop that did not stop
// with its context.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
