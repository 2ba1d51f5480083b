// Package accesscache remembers which residences each user can access, so the read paths that need the list
// (residences, contractors, documents, and task paths whose query cannot embed the check) skip the lookup.
//
// With Valkey the list lives under residence_ids_user:<id>, read through valkey-go's client-side cache: warm,
// it is process memory; when the key changes, Valkey tells every process. Every membership change
// invalidates the affected users' keys before its response is sent.
//
// A request that read the list from PostgreSQL just before a membership change committed must not put the
// old list back afterwards. Each user therefore has a generation counter (residence_ids_gen:<id>) that
// invalidation increments; a fill records the generation it saw before querying and a script stores the list
// only if the generation is unchanged. Without Valkey the same rules hold in process.
package accesscache

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// DefaultTTL is how long a user's list stays cached without a change.
const DefaultTTL = 5 * time.Minute

// genTTL keeps generation counters well past any list they guard.
const genTTL = 24 * time.Hour

// Options configures New.
type Options struct {
	Shared    *valkeyconn.Conn // nil: in process only
	KeyPrefix string
	TTL       time.Duration
	// LocalSize bounds the in-process tier (users).
	LocalSize int
}

// Cache is the residence-access cache.
type Cache struct {
	o Options

	// Without Valkey.
	mu    sync.Mutex
	local *otter.Cache[int64, entry]
	gens  map[int64]uint64

	// With Valkey: a user this process invalidated is read from PostgreSQL until its own next fill lands,
	// because Valkey's invalidation of this process's client-side copy arrives after the command's reply.
	stale  *otter.Cache[int64, struct{}]
	writes *valkeyconn.Queue
}

type entry struct {
	ids []int64
	gen uint64
}

// Fill is what Lookup returns on a miss: pass it back to Store with the list read from PostgreSQL.
type Fill struct {
	userID int64
	gen    string
}

// New returns a Cache.
func New(o Options) (*Cache, error) {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.LocalSize <= 0 {
		o.LocalSize = 10_000
	}
	c := &Cache{o: o}
	var err error
	if o.Shared == nil {
		c.local, err = otter.New(&otter.Options[int64, entry]{
			MaximumSize: o.LocalSize, ExpiryCalculator: otter.ExpiryWriting[int64, entry](o.TTL)})
		c.gens = map[int64]uint64{}
		if err != nil {
			return nil, fmt.Errorf("error creating access cache: %w", err)
		}
		return c, nil
	}
	c.stale, err = otter.New(&otter.Options[int64, struct{}]{
		MaximumSize: o.LocalSize, ExpiryCalculator: otter.ExpiryWriting[int64, struct{}](time.Minute)})
	if err != nil {
		return nil, fmt.Errorf("error creating access cache: %w", err)
	}
	c.writes = valkeyconn.NewQueue(1024)
	return c, nil
}

// Close stops the background writer.
func (c *Cache) Close() {
	if c.writes != nil {
		c.writes.Close()
	}
}

func (c *Cache) idsKey(u int64) string {
	return c.o.KeyPrefix + "residence_ids_user:" + strconv.FormatInt(u, 10)
}
func (c *Cache) genKey(u int64) string {
	return c.o.KeyPrefix + "residence_ids_gen:" + strconv.FormatInt(u, 10)
}

// Lookup returns the user's residence ids when cached. On a miss it returns a Fill to hand to Store after
// reading the list from PostgreSQL.
func (c *Cache) Lookup(ctx context.Context, userID int64) ([]int64, bool, Fill) {
	if c.o.Shared == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		gen := c.gens[userID]
		if e, ok := c.local.GetIfPresent(userID); ok && e.gen == gen {
			return e.ids, true, Fill{}
		}
		return nil, false, Fill{userID: userID, gen: strconv.FormatUint(gen, 10)}
	}
	// The list and its generation are read together: one round trip on a miss, none when both are cached.
	res, err := c.o.Shared.DoMultiCache(ctx, c.o.TTL, func(b valkey.Builder) []valkey.Cacheable {
		return []valkey.Cacheable{b.Get().Key(c.idsKey(userID)).Cache(), b.Get().Key(c.genKey(userID)).Cache()}
	})
	if err != nil {
		return nil, false, Fill{} // Valkey unavailable: read PostgreSQL, store nothing
	}
	if _, stale := c.stale.GetIfPresent(userID); !stale {
		if s, err := res[0].ToString(); err == nil {
			if ids, err := decode(s); err == nil {
				return ids, true, Fill{}
			}
		}
	}
	gen := "0"
	if s, err := res[1].ToString(); err == nil {
		gen = s
	} else if !valkey.IsValkeyNil(err) {
		gen = "" // unknown: Store will not write
	}
	return nil, false, Fill{userID: userID, gen: gen}
}

// Store caches ids for the user of f unless the user's access changed since Lookup. With Valkey it writes in
// the background, adding no latency to the request.
func (c *Cache) Store(f Fill, ids []int64) {
	if f.gen == "" {
		return
	}
	if c.o.Shared == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		if strconv.FormatUint(c.gens[f.userID], 10) == f.gen {
			c.local.Set(f.userID, entry{ids: ids, gen: c.gens[f.userID]})
		}
		return
	}
	idsKey, genKey, val := c.idsKey(f.userID), c.genKey(f.userID), encode(ids)
	c.writes.Go(func(ctx context.Context) {
		stored, err := c.o.Shared.SetIfGeneration(ctx, idsKey, genKey, f.gen, val, c.o.TTL)
		if err != nil || !stored {
			return
		}
		// Prime this process's client-side copy, then trust it again.
		c.o.Shared.DoCache(ctx, func(b valkey.Builder) valkey.Cacheable { return b.Get().Key(idsKey).Cache() }, c.o.TTL)
		c.stale.Invalidate(f.userID)
	})
}

// Invalidate forgets the lists of the given users everywhere before returning.
func (c *Cache) Invalidate(ctx context.Context, userIDs ...int64) error {
	if len(userIDs) == 0 {
		return nil
	}
	if c.o.Shared == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, u := range userIDs {
			c.gens[u]++
			c.local.Invalidate(u)
		}
		return nil
	}
	for _, u := range userIDs {
		c.stale.Set(u, struct{}{})
	}
	_, err := c.o.Shared.DoMulti(ctx, func(b valkey.Builder) []valkey.Completed {
		cmds := make([]valkey.Completed, 0, 3*len(userIDs))
		for _, u := range userIDs {
			cmds = append(cmds,
				b.Incr().Key(c.genKey(u)).Build(),
				b.Expire().Key(c.genKey(u)).Seconds(int64(genTTL/time.Second)).Build(),
				b.Del().Key(c.idsKey(u)).Build())
		}
		return cmds
	})
	if err != nil {
		return fmt.Errorf("error invalidating residence access: %w", err)
	}
	return nil
}

// encode writes ids as "1,2,3"; an empty list is "" (a user with no residences is worth caching too).
func encode(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}

func decode(s string) ([]int64, error) {
	if s == "" {
		return []int64{}, nil
	}
	parts := strings.Split(s, ",")
	ids := make([]int64, len(parts))
	for i, p := range parts {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("error decoding residence ids: %w", err)
		}
		ids[i] = id
	}
	return ids, nil
}
