package authcache

import (
	"context"
	"fmt"
	"time"

	"github.com/homekeep/homekeep/internal/periodic"
)

// TombstoneStore is the durable record of revocations: every statement that revokes tokens records their
// hashes in PostgreSQL in the same statement, and the record is kept until their tombstones are in Valkey.
// A tombstone that RevokeTokens could not write (Valkey unreachable) is otherwise only queued in the memory
// of the process that revoked, and lost with it; a Valkey that keeps its data would then map the revoked
// token to its user again when it comes back. internal/app implements it over the token_tombstones table.
//
// Delivery runs in this package's goroutines for now; when river arrives (the jobs issue), it becomes a
// periodic job, and the delivery before the user cache is used (see receive) stays here.
type TombstoneStore interface {
	// PendingTombstones returns at most limit recorded revocations, oldest first.
	PendingTombstones(ctx context.Context, limit int) ([]TokenHash, error)
	// DeleteTombstones forgets revocations whose tombstones are in Valkey.
	DeleteTombstones(ctx context.Context, hashes []TokenHash) error
	// DeleteTombstonesBefore forgets revocations recorded before cutoff.
	DeleteTombstonesBefore(ctx context.Context, cutoff time.Time) error
}

const (
	// TombstoneSweepInterval is how often every process delivers revocations recorded by any process. It only
	// matters when the process that revoked died before it could write the tombstones while the others kept
	// their connection to Valkey: a process whose connection broke delivers as soon as it is back, before it
	// uses its user cache again, and the process that revoked retries every tombstoneRetry from memory. With
	// nothing recorded a sweep is one cheap statement.
	TombstoneSweepInterval = 30 * time.Second
	// tombstoneRedeliver is how often a failed delivery is tried again.
	tombstoneRedeliver = 2 * time.Second
	// deliveryBatch is how many revocations one read, one pipelined write and one delete handle.
	deliveryBatch = 1000
	// startWait bounds how long Start waits for the first delivery.
	startWait = 5 * time.Second
	// purgeDelay and purgeInterval schedule forgetting old revocations when there is no Valkey to deliver
	// them to: a while after start, then hourly.
	purgeDelay    = time.Minute
	purgeInterval = time.Hour
)

// Start lets the cache deliver the revocations recorded in PostgreSQL; the server calls it once the schema
// is migrated and before it takes traffic. With Valkey connected it waits (at most a few seconds) until they
// are delivered and the user cache is in use, so the server starts warm; with nothing recorded that is one
// statement. When Valkey is unreachable it returns at once: the delivery then happens when Valkey answers,
// and until then tokens are checked in PostgreSQL.
func (c *Cache) Start(ctx context.Context) {
	c.startOnce.Do(func() { close(c.started) })
	if c.o.Shared == nil || c.o.Tombstones == nil {
		return
	}
	if _, connected := c.o.Shared.Client(); !connected {
		return
	}
	t := time.NewTimer(startWait)
	defer t.Stop()
	select {
	case <-c.inUse:
	case <-ctx.Done():
	case <-t.C:
		c.o.Logger.WarnContext(ctx, "recorded revocations not yet delivered to valkey; checking tokens in PostgreSQL until they are",
			"waited", startWait)
	}
}

// deliverRecorded delivers the recorded revocations once Start has been called, trying again every
// tombstoneRedeliver until it succeeds or the subscription (done) or ctx ends.
func (c *Cache) deliverRecorded(ctx context.Context, done <-chan error) error {
	if c.o.Tombstones == nil {
		return nil
	}
	select {
	case <-c.started:
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
	for {
		err := c.deliverTombstones(ctx)
		if err == nil {
			return nil
		}
		c.o.Logger.Warn("recorded revocations not delivered to valkey; user cache bypassed until they are", "error", err)
		select {
		case <-time.After(tombstoneRedeliver):
		case err := <-done:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// deliverTombstones writes the tombstones of every recorded revocation to Valkey and then forgets them, a
// batch at a time: one read, one pipelined write and one delete per batch, and just the read when nothing is
// recorded. Several processes may deliver the same revocation at once; writing a tombstone twice is harmless.
func (c *Cache) deliverTombstones(ctx context.Context) error {
	for {
		hashes, err := c.o.Tombstones.PendingTombstones(ctx, deliveryBatch)
		if err != nil {
			return fmt.Errorf("error reading recorded revocations: %w", err)
		}
		if len(hashes) == 0 {
			return nil
		}
		if err := c.writeTombstones(ctx, hashes); err != nil {
			return err
		}
		if err := c.o.Tombstones.DeleteTombstones(ctx, hashes); err != nil {
			return fmt.Errorf("error forgetting delivered revocations: %w", err)
		}
		if len(hashes) < deliveryBatch {
			return nil
		}
	}
}

// sweepLoop delivers recorded revocations every SweepInterval while the user cache is in use, and
// every tombstoneRedeliver while a delivery fails. While the subscription is down it does nothing: receive
// delivers before the cache is used again.
func (c *Cache) sweepLoop(ctx context.Context) {
	defer c.wg.Done()
	select {
	case <-c.started:
	case <-ctx.Done():
		return
	}
	interval := c.o.SweepInterval
	if interval <= 0 {
		interval = TombstoneSweepInterval
	}
	periodic.Run(ctx, interval, func(ctx context.Context) time.Duration {
		if c.subscribed.Load() {
			if err := c.deliverTombstones(ctx); err != nil && ctx.Err() == nil {
				c.o.Logger.Warn("recorded revocations not delivered to valkey; retrying", "error", err,
					"retry_in", tombstoneRedeliver)
				return tombstoneRedeliver
			}
		}
		return interval
	})
}

// purgeLoop runs without Valkey, where revocation is local and nothing is delivered: it forgets recorded
// revocations once they are older than the token TTL, so the table does not grow. Younger ones stay for a
// process with Valkey to deliver, should one share the database (a CLI run without VALKEY_URL, say).
func (c *Cache) purgeLoop(ctx context.Context) {
	defer c.wg.Done()
	select {
	case <-c.started:
	case <-ctx.Done():
		return
	}
	periodic.Run(ctx, purgeDelay, func(ctx context.Context) time.Duration {
		if err := c.o.Tombstones.DeleteTombstonesBefore(ctx, time.Now().Add(-c.o.TokenTTL)); err != nil && ctx.Err() == nil {
			c.o.Logger.Warn("could not forget old recorded revocations; retrying at the next interval", "error", err)
		}
		return purgeInterval
	})
}
