package authcache

import (
	"context"
	"fmt"
	"time"

	"github.com/valkey-io/valkey-go"
)

// evictAllMessage, published on the eviction channel, makes every process drop its whole in-process user
// cache. User ids are positive numbers, so it never reads as one (and a process that predates it ignores it,
// as a message that is not a number).
const evictAllMessage = "*"

// EvictAllUsers drops every user cached in process, here at once and in every other process through the
// eviction channel, so each reads its users again (from Valkey, or PostgreSQL). The admin API's clear-cache
// calls it after deleting the Valkey entries. Unlike EvictUser it bumps no generation: nothing changed in
// PostgreSQL, so a fill in flight stores a user as current as any read after this call.
func (c *Cache) EvictAllUsers(ctx context.Context) error {
	c.users.InvalidateAll()
	c.evictions.Add(1)
	if c.o.Shared == nil {
		return nil
	}
	ch := c.channel()
	if err := c.o.Shared.Do(ctx, func(b valkey.Builder) valkey.Completed {
		return b.Publish().Channel(ch).Message(evictAllMessage).Build()
	}).Error(); err != nil {
		return fmt.Errorf("error publishing the eviction of every user: %w", err)
	}
	return nil
}

// receivedAll handles EvictAllUsers published by any process, as received does one user: drop everything,
// wait for a round trip on the client-side-cached connection (so Valkey's invalidations sent before the
// message have been applied), and drop again what a request may have copied from a stale client-side entry
// meanwhile.
func (c *Cache) receivedAll(ctx context.Context) {
	c.users.InvalidateAll()
	if c.shared == nil {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	_ = c.o.Shared.Do(pctx, func(b valkey.Builder) valkey.Completed { return b.Ping().Build() }).Error()
	cancel()
	c.evictions.Add(1)
	c.users.InvalidateAll()
}
