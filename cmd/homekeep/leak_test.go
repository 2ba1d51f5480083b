package main

import (
	"testing"

	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them: a command that returned while its
// server, pool or Valkey client still ran.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}
