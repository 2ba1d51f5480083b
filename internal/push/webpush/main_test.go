package webpush

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them (a test push service or a Send's
// workers).
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
