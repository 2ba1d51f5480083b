package sdktest_test

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: the server or the proxy in front of it.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
