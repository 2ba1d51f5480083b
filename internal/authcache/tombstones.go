package authcache

import (
	"context"
	"fmt"
	"time"
)

// TombstoneStore is the durable record of revocations: every statement that revokes tokens records their
// hashes in PostgreSQL in the same statement, and the record is kept until their tombstones are in Valkey.
// A tombstone that RevokeTokens could not write (Valkey unreachable) is otherwise only queued in the memory
// of the process that revoked, and lost with it; a Valkey that keeps its data would then map the revoked
// token to its user again when it comes back. internal/app implements it over the token_tombstones table.
//
// The periodic delivery of what any process recorded is a river job (package jobs) that calls
// DeliverRecorded; the delivery before the user cache is used (see receive) and the retries of the
// revoking process's own tombstones (retryLoop) stay in this package.
type TombstoneStore interface {
	// PendingTombstones returns at most limit recorded revocations, oldest first.
	PendingTombstones(ctx context.Context, limit int) ([]TokenHash, error)
	// DeleteTombstones forgets revocations whose tombstones are in Valkey.
	DeleteTombstones(ctx context.Context, hashes []TokenHash) error
	// DeleteTombstonesBefore forgets revocations recorded before cutoff.
	DeleteTombstonesBefore(ctx context.Context, cutoff time.Time) error
}

const (
	// tombstoneRedeliver is how often a failed delivery is tried again.
	tombstoneRedeliver = 2 * time.Second
	// deliveryBatch is how many revocations one read, one pipelined write and one delete handle.
	deliveryBatch = 1000
	// startWait bounds how long Start waits for the first delivery.
	startWait = 5 * time.Second
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

// DeliverRecorded writes the revocations recorded in PostgreSQL by any process to Valkey and forgets them:
// the periodic job that covers a process that revoked and died before Valkey answered it again. While this
// cache is not subscribed to Valkey it does nothing: it delivers when it subscribes again, before its user
// cache is used (see receive). Without Valkey or a TombstoneStore it does nothing either.
func (c *Cache) DeliverRecorded(ctx context.Context) error {
	if c.o.Shared == nil || c.o.Tombstones == nil || !c.subscribed.Load() {
		return nil
	}
	return c.deliverTombstones(ctx)
}

// PurgeRecorded forgets recorded revocations older than the token TTL: every cache entry they could
// contradict has expired. Without Valkey, where revocation is local and nothing is delivered, the periodic
// job that calls it keeps the table from growing; younger revocations stay for a process with Valkey to
// deliver, should one share the database (a CLI run without VALKEY_URL, say).
func (c *Cache) PurgeRecorded(ctx context.Context) error {
	if c.o.Tombstones == nil {
		return nil
	}
	return c.o.Tombstones.DeleteTombstonesBefore(ctx, time.Now().Add(-c.o.TokenTTL))
}
