// Package testwait lets a test wait for something that happens in the background (a cache fill landing, a
// session blocking on a lock, a process resubscribing) by polling a condition until a deadline, instead of
// sleeping for a guessed time. A wait that succeeds returns as soon as the condition holds; one that fails
// says what never happened. Only tests import it.
package testwait

import (
	"testing"
	"time"
)

// maxPoll bounds the pause between two checks: short enough not to slow a test down noticeably, long enough
// that a condition costing a request or a query is not checked in a tight loop.
const maxPoll = 25 * time.Millisecond

// Until calls cond until it returns true and fails t with what (formatted with args) when within passes first.
// The pause between calls starts at a millisecond and doubles up to 25 ms. cond runs in the calling
// goroutine, so unlike testify's Eventually it may use t and require.
func Until(t testing.TB, within time.Duration, cond func() bool, what string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(within)
	pause := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("testwait: after %v: "+what, append([]any{within}, args...)...)
			return
		}
		time.Sleep(pause)
		pause = min(2*pause, maxPoll)
	}
}
