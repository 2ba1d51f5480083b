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
