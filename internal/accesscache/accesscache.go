package accesscache

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/cachetier"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// DefaultTTL is how long a user's list stays cached without a change.
const DefaultTTL = 5 * time.Minute

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
	tier *cachetier.Tier[int64, []int64]
}

// Fill is what Lookup returns on a miss: pass it back to Store with the list read from PostgreSQL.
type Fill = cachetier.Fill[int64]

// New returns a Cache.
func New(o Options) (*Cache, error) {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	tier, err := cachetier.New(cachetier.Options[int64, []int64]{
		Conn: o.Shared, Name: "residence access", Guard: cachetier.Generation, TTL: o.TTL, LocalSize: o.LocalSize,
		Key:    func(u int64) string { return o.KeyPrefix + "residence_ids_user:" + strconv.FormatInt(u, 10) },
		GenKey: func(u int64) string { return o.KeyPrefix + "residence_ids_gen:" + strconv.FormatInt(u, 10) },
		Codec:  cachetier.Codec[[]int64]{Encode: encode, Decode: decode},
	})
	if err != nil {
		return nil, err
	}
	return &Cache{tier: tier}, nil
}

// Close stops the background writer.
func (c *Cache) Close() { c.tier.Close() }

// Lookup returns the user's residence ids when cached. On a miss it returns a Fill to hand to Store after
// reading the list from PostgreSQL.
func (c *Cache) Lookup(ctx context.Context, userID int64) ([]int64, bool, Fill) {
	return c.tier.Get(ctx, userID)
}

// Store caches ids for the user of f unless the user's access changed since Lookup. With Valkey it writes in
// the background, adding no latency to the request.
func (c *Cache) Store(f Fill, ids []int64) { c.tier.Fill(f, ids) }

// Invalidate forgets the lists of the given users everywhere before returning.
func (c *Cache) Invalidate(ctx context.Context, userIDs ...int64) error {
	return c.tier.Invalidate(ctx, userIDs...)
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
