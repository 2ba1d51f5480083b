// Package refcache caches one reference document (the static data: lookup tables the app renders forms
// from) so that serving it costs no database round trip and, warm, no network round trip at all.
//
// With Valkey the encoded document lives under one key read through valkey-go's client-side cache; seeding
// (or any admin change of lookups) invalidates it for every process. A fill that read PostgreSQL before an
// invalidation and lands after it is refused by a generation check, so stale reference data never sticks.
// Without Valkey the document is kept in process for a short TTL, since another process's change could not
// be announced.
package refcache

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/valkey-io/valkey-go"

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
	shared       *valkeyconn.Conn
	key, genKey  string
	mu           sync.Mutex
	local        []byte
	localExpires time.Time
	localGen     uint64
}

// Fill is returned by Lookup on a miss; hand it to Store with the document built from PostgreSQL.
type Fill struct{ gen string }

// New returns a Cache for the document called name.
func New(shared *valkeyconn.Conn, keyPrefix, name string) *Cache {
	return &Cache{shared: shared, key: keyPrefix + name, genKey: keyPrefix + name + "_gen"}
}

// Lookup returns the document when cached.
func (c *Cache) Lookup(ctx context.Context) ([]byte, bool, Fill) {
	if c.shared == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.local != nil && time.Now().Before(c.localExpires) {
			return c.local, true, Fill{}
		}
		return nil, false, Fill{gen: strconv.FormatUint(c.localGen, 10)}
	}
	res, err := c.shared.DoMultiCache(ctx, sharedTTL, func(b valkey.Builder) []valkey.Cacheable {
		return []valkey.Cacheable{b.Get().Key(c.key).Cache(), b.Get().Key(c.genKey).Cache()}
	})
	if err != nil {
		return nil, false, Fill{}
	}
	if raw, err := res[0].AsBytes(); err == nil {
		return raw, true, Fill{}
	}
	gen := "0"
	if s, err := res[1].ToString(); err == nil {
		gen = s
	} else if !valkey.IsValkeyNil(err) {
		gen = ""
	}
	return nil, false, Fill{gen: gen}
}

// Store caches doc unless the document was invalidated since the Lookup that returned f. The Valkey write
// is synchronous: it happens on a miss, which is rare for reference data.
func (c *Cache) Store(ctx context.Context, f Fill, doc []byte) {
	if f.gen == "" {
		return
	}
	if c.shared == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		if strconv.FormatUint(c.localGen, 10) == f.gen {
			c.local, c.localExpires = doc, time.Now().Add(LocalTTL)
		}
		return
	}
	_, _ = c.shared.SetIfGeneration(ctx, c.key, c.genKey, f.gen, string(doc), sharedTTL)
}

// Invalidate drops the document everywhere (every process with Valkey; this process without).
func (c *Cache) Invalidate(ctx context.Context) error {
	if c.shared == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.localGen++
		c.local = nil
		return nil
	}
	_, err := c.shared.DoMulti(ctx, func(b valkey.Builder) []valkey.Completed {
		return []valkey.Completed{b.Incr().Key(c.genKey).Build(), b.Del().Key(c.key).Build()}
	})
	if err != nil {
		return fmt.Errorf("error invalidating %s: %w", c.key, err)
	}
	return nil
}
