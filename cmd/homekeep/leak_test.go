package main

import (
	"os"
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: a command that returned while its
// server, pool or Valkey client still ran.
//
// With HOMEKEEP_TEST_AS_MAIN=1 the test binary is homekeep itself (main with its arguments), so a test can run
// the real command in a process of its own and signal it, without building it first.
func TestMain(m *testing.M) {
	if os.Getenv("HOMEKEEP_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	leakcheck.VerifyTestMain(m)
}
