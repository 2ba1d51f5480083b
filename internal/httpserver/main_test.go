package httpserver

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: a server, drain or request left running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
