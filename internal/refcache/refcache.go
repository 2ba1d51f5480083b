// Package refcache caches one reference document (the static data: lookup tables the app renders forms
// from) so that serving it costs no database round trip and, warm, no network round trip at all.
//
// It is a cachetier.Tier with a generation guard and a single key: with Valkey the encoded document lives
// under one key read through valkey-go's client-side cache, and seeding (or any admin change of lookups)
// invalidates it for every process; a fill that read PostgreSQL before an invalidation and lands after it is
// refused, so stale reference data never sticks. A fill is written in the background, like every cache fill,
// so a miss costs its request the one SQL statement and nothing else. Without Valkey the document is kept in
// process for a short TTL, since another process's change could not be announced.
package refcache

import (
	"context"
	"fmt"
	"time"

	"github.com/homekeep/homekeep/internal/cachetier"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

const (
	// sharedTTL bounds how long the document lives in Valkey even if an invalidation were lost.
	sharedTTL = 24 * time.Hour
	// LocalTTL is how long a process without Valkey trusts its own copy.
	LocalTTL = time.Minute
)

// Cache holds one document.
type Cache struct {
	tier *cachetier.Tier[struct{}, string]
}

// Fill is returned by Lookup on a miss; hand it to Store with the document built from PostgreSQL.
type Fill = cachetier.Fill[struct{}]

// New returns a Cache for the document called name (its Valkey key after keyPrefix); shared nil keeps it in
// process. Close it to stop its background writer.
func New(shared *valkeyconn.Conn, keyPrefix, name string) *Cache {
	tier, err := cachetier.New(cachetier.Options[struct{}, string]{
		Conn: shared, Name: name, Guard: cachetier.Generation, TTL: sharedTTL, LocalTTL: LocalTTL, LocalSize: 1,
		Key:    func(struct{}) string { return keyPrefix + name },
		GenKey: func(struct{}) string { return keyPrefix + name + "_gen" },
		Codec:  cachetier.String,
	})
	if err != nil {
		// The options are fixed above, so this is a programming error that every test would hit.
		panic(fmt.Sprintf("refcache: %v", err))
	}
	return &Cache{tier: tier}
}

// Close stops the background writer.
func (c *Cache) Close() { c.tier.Close() }

// Lookup returns the document when cached.
func (c *Cache) Lookup(ctx context.Context) (string, bool, Fill) { return c.tier.Get(ctx, struct{}{}) }

// Store caches doc unless the document was invalidated since the Lookup that returned f. With Valkey the
// write happens in the background.
func (c *Cache) Store(f Fill, doc string) { c.tier.Fill(f, doc) }

// Invalidate drops the document everywhere (every process with Valkey; this process without).
func (c *Cache) Invalidate(ctx context.Context) error { return c.tier.Invalidate(ctx, struct{}{}) }
