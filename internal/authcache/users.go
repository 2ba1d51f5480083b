package authcache

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/cachetier"
	"github.com/homekeep/homekeep/internal/identity"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// defaultSharedUserTTL bounds a user in Valkey when no token TTL is configured.
const defaultSharedUserTTL = time.Hour

// userCodec stores a user in Valkey as JSON.
var userCodec = cachetier.Codec[*identity.User]{
	Encode: func(u *identity.User) string {
		b, err := json.Marshal(u)
		if err != nil {
			return "" // a User always marshals; an empty value fails to decode and reads as a miss
		}
		return string(b)
	},
	Decode: func(s string) (*identity.User, error) {
		u := &identity.User{}
		if err := json.Unmarshal([]byte(s), u); err != nil {
			return nil, fmt.Errorf("error decoding cached user: %w", err)
		}
		return u, nil
	},
}

func (c *Cache) userKey(id int64) string { return c.o.KeyPrefix + "user:" + strconv.FormatInt(id, 10) }
func (c *Cache) userGenKey(id int64) string {
	return c.o.KeyPrefix + "user_gen:" + strconv.FormatInt(id, 10)
}

// newSharedUsers returns the Valkey tier under the in-process user cache, so a process that starts (or whose
// in-process entry expired) finds the user without SQL. It is a Generation tier: EvictUser increments the
// user's generation, and a fill that read PostgreSQL before that is refused.
func (c *Cache) newSharedUsers() (*cachetier.Tier[int64, *identity.User], error) {
	ttl := c.o.TokenTTL
	if ttl <= 0 {
		ttl = defaultSharedUserTTL
	}
	return cachetier.New(cachetier.Options[int64, *identity.User]{
		Conn: c.o.Shared, Name: "users", Guard: cachetier.Generation, Codec: userCodec,
		Key: c.userKey, GenKey: c.userGenKey, TTL: ttl, Clock: c.o.clock,
	})
}

// sharedUser reads the user from Valkey (through the client-side cache) when the in-process cache missed.
// On a miss it returns the Fill for the user read from PostgreSQL next.
func (c *Cache) sharedUser(ctx context.Context, id int64) (*identity.User, bool, cachetier.Fill[int64]) {
	seq := c.evictions.Load()
	u, ok, f := c.shared.Get(ctx, id)
	if !ok || u == nil || u.ID != id || !u.IsActive {
		return nil, false, f
	}
	c.users.Set(id, u)
	// An eviction received while this read ran may have come before Valkey's invalidation of the copy just
	// read (they arrive on different connections): do not keep what may be the old user.
	if c.evictions.Load() != seq {
		c.users.Invalidate(id)
	}
	return u, true, cachetier.Fill[int64]{}
}

// addSharedUser puts a user just read from PostgreSQL without a Get before the read (a sign-in, a token
// Valkey had forgotten) into Valkey, in the background. Its generation was not read before the statement,
// so it is stored only if the user has no generation at all: no eviction within the generation's lifetime,
// hence none since the read. A user changed recently is filled by the next guarded miss instead.
func (c *Cache) addSharedUser(u *identity.User) {
	if c.shared == nil || !c.subscribed.Load() {
		return
	}
	c.adds.Go(func(ctx context.Context) {
		ctx = valkeyconn.Background(ctx)
		if _, ok, f := c.shared.Get(ctx, u.ID); !ok {
			genKey := c.userGenKey(u.ID)
			err := c.o.Shared.Do(ctx, func(b valkey.Builder) valkey.Completed { return b.Get().Key(genKey).Build() }).Error()
			if valkey.IsValkeyNil(err) {
				c.shared.Fill(f, u)
			}
		}
	})
}

// evictShared deletes the user from Valkey (which invalidates every process's client-side copy) and bumps its
// generation, so a fill that read the old user is refused.
func (c *Cache) evictShared(ctx context.Context, id int64) error {
	if c.shared == nil {
		return nil
	}
	if err := c.shared.Invalidate(ctx, id); err != nil {
		c.retryUserEvictions(id)
		return err
	}
	return nil
}

// received handles an eviction published by another process. The in-process entry goes at once; then, once
// a round trip on the client-side-cached connection has come back (so Valkey's invalidation of the Valkey
// copy, sent before the message, has been applied), the entry is dropped again in case a request copied
// the old user from the client-side cache meanwhile (see sharedUser).
func (c *Cache) received(ctx context.Context, id int64) {
	c.users.Invalidate(id)
	if c.shared == nil {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	_ = c.o.Shared.Do(pctx, func(b valkey.Builder) valkey.Completed { return b.Ping().Build() }).Error()
	cancel()
	c.evictions.Add(1)
	c.users.Invalidate(id)
}

// retryUserEvictions keeps user ids whose Valkey entry could not be deleted until retryLoop succeeds.
func (c *Cache) retryUserEvictions(ids ...int64) {
	c.pendingMu.Lock()
	defer c.pendingMu.Unlock()
	for _, id := range ids {
		if len(c.pendingUsers) < maxPendingTombstones {
			c.pendingUsers[id] = struct{}{}
		}
	}
}

// retryUsers deletes the Valkey entries of users whose eviction could not reach Valkey.
func (c *Cache) retryUsers(ctx context.Context) {
	var batch []int64
	retryPending(&c.pendingMu, c.pendingUsers, func(ids []int64) error {
		if err := c.shared.Invalidate(ctx, ids...); err != nil {
			return err
		}
		batch = ids
		return nil
	})
	// Other processes may have copied the old user from Valkey after the first announcement; announce again.
	for _, id := range batch {
		msg, ch := strconv.FormatInt(id, 10), c.channel()
		if err := c.o.Shared.Do(ctx, func(b valkey.Builder) valkey.Completed {
			return b.Publish().Channel(ch).Message(msg).Build()
		}).Error(); err != nil {
			c.retryUserEvictions(id)
		}
	}
}
