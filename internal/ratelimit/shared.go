package ratelimit

import (
	"context"
	"time"

	"github.com/valkey-io/valkey-go"
)

const (
	// sharedTimeout bounds the Valkey round trip, so a hung server delays an attempt by at most this long
	// before the in-process counter takes over.
	sharedTimeout = 500 * time.Millisecond
	// sharedTTLSlack keeps a counter a little beyond its window, so a process whose clock runs behind the
	// server's still finds its window's count instead of starting over.
	sharedTTLSlack = 5 * time.Second
)

// countShared increments every key in Valkey and returns the new counts in order; ok is false when Valkey is
// not configured, not connected or fails, and the caller then counts in process.
//
// It pipelines INCR and PEXPIRE ... NX per key in one DoMulti: one round trip however many keys there are.
// This is preferred to a Lua script because the keys of one attempt (IP and email) hash to different cluster
// slots, which a script cannot touch together, and because there is no script cache to miss (NOSCRIPT costs a
// second round trip). The pipeline is not atomic, but it does not need to be: INCR is atomic per key, and
// NX sets the expiry only when the key has none, so the first attempt of a window sets it and a counter left
// without one (a connection lost between the two commands) gets it from the next attempt. PEXPIRE ... NX needs
// Valkey or Redis 7+, which valkeyconn already requires.
func (l *Limiter) countShared(ctx context.Context, keys []string, ttl time.Duration) (counts []int64, ok bool) {
	if l.shared == nil {
		return nil, false
	}
	// The attempt is counted even if the caller gives up on the request: a guesser must not be able to skip
	// the shared count by disconnecting early.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedTimeout)
	defer cancel()

	ms := ttl.Milliseconds()
	res, err := l.shared.DoMulti(ctx, func(b valkey.Builder) []valkey.Completed {
		cmds := make(valkey.Commands, 0, 2*len(keys))
		for _, k := range keys {
			cmds = append(cmds,
				b.Incr().Key(k).Build(),
				b.Pexpire().Key(k).Milliseconds(ms).Nx().Build())
		}
		return cmds
	})
	if err != nil || len(res) != 2*len(keys) {
		return nil, false
	}
	counts = make([]int64, len(keys))
	for i := range keys {
		n, err := res[2*i].AsInt64() // command errors were already returned by DoMulti
		if err != nil {
			return nil, false
		}
		counts[i] = n
	}
	return counts, true
}
