// Package leakcheck fails a package's tests when goroutines outlive them: a server, cache writer, mail
// worker or Valkey client that a test started and did not stop. Every package that starts background work
// calls VerifyTestMain from its TestMain. Only tests import it.
package leakcheck

import (
	"testing"

	"go.uber.org/goleak"
)

// libraryGoroutines are goroutines that libraries keep on purpose and that are not leaks. Each says why.
var libraryGoroutines = []goleak.Option{
	// otter (the in-process caches) runs one clean-up goroutine per cache with expiry. It holds the cache only
	// through a weak pointer and returns by itself once the cache has been garbage-collected, which may be
	// after the last test; otter stops it early only through StopAllGoroutines, which nothing needs to call
	// in a process whose caches live as long as it does.
	goleak.IgnoreAnyFunction("github.com/maypok86/otter/v2.periodicCleanUp[...]"),
	// valkey-go delays a cluster-topology refresh in a goroutine that sleeps and then runs once (singleflight
	// DelayDo); it is not tied to the client's Close, so a client closed during the delay leaves it to finish
	// on its own a moment later.
	goleak.IgnoreAnyFunction("github.com/valkey-io/valkey-go.(*call).DelayDo.func1"),
}

// VerifyTestMain runs the package's tests and then fails the run when a goroutine is still running, other
// than the libraries' own (see libraryGoroutines) and those opts ignore. goleak retries for a while first, so
// goroutines that are already on their way out do not count. Call it from TestMain:
//
//	func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }
func VerifyTestMain(m *testing.M, opts ...goleak.Option) {
	goleak.VerifyTestMain(m, append(append([]goleak.Option{}, libraryGoroutines...), opts...)...)
}
