package valkeyconn

import (
	"context"
	"time"
)

// valkey-go pings a connection that has received nothing for pingGap, and closes it when the ping (or any
// call) has had no answer for connTimeout. Closing a connection drops its client-side cache, so these two
// bound how long a process serves copies Valkey can no longer invalidate.
const (
	pingGap     = 500 * time.Millisecond
	connTimeout = 2 * time.Second
	// StaleBound is the longest a process goes on answering reads from its client-side cache after Valkey
	// stopped answering it (a black hole rather than a refused connection, which closes the connection at
	// once): the connection's last answer may come just after a ping tick, the next tick finds it answered
	// and the one after pings, and the ping gets connTimeout to answer; plus scheduling slack.
	StaleBound = 2*pingGap + connTimeout + 250*time.Millisecond
)

// AwaitStaleCopies returns once no process can still be answering from a client-side copy that a write
// begun at start was to invalidate, and that Valkey could not take: StaleBound after the earlier of start and
// the first failure of the current outage this process saw (Valkey stopped answering every process no later
// than that). Until then another process may not yet have noticed that Valkey is gone, and still serve its
// copy; a revocation waits here, so that once it is answered no process serves the revoked token. During a
// long outage it returns at once. It returns early when ctx ends, and at once on a connection that was never
// established (no process can have a copy through it, and this one has learnt nothing about the others).
//
// It does not cover a Valkey that only this process cannot reach: the others keep their copies until the
// write is retried or delivered from PostgreSQL (see internal/authcache's tombstones).
func (c *Conn) AwaitStaleCopies(ctx context.Context, start time.Time) {
	if _, ok := c.Client(); !ok {
		return
	}
	since := start
	if d := c.downSince.Load(); d != 0 && d < start.UnixNano() {
		since = time.Unix(0, d)
	}
	wait := time.Until(since.Add(StaleBound))
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
