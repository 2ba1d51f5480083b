// Package authcache keeps the facts token authentication needs close to the process, so that a warm
// authenticated request costs no SQL statement and no network round trip:
//
//   - token hash → user id: in Valkey under auth_token:<sha256 hex>, read through valkey-go's client-side
//     cache (a hit is process memory; the server pushes an invalidation when the key changes or is
//     deleted). Without Valkey it is an otter cache in process.
//   - user id → user: otter in process, bounded in size, evicted everywhere by a message on a Valkey
//     channel that every process subscribes to.
//
// Revocation overwrites the token keys with a tombstone before the response is sent; the process that revoked also remembers the
// hashes locally for a while, so it rejects them at once even before the server's invalidation arrives.
// Revocations are durable: the statement that revokes also records the hashes in PostgreSQL, and any process
// writes the tombstones that could not be written at the time (tombstones.go).
// Nothing here is authoritative: every miss falls back to PostgreSQL, and a process that has lost its
// subscription stops using its user cache until it has resubscribed and delivered the recorded revocations,
// because it could not learn of evictions meanwhile and Valkey may have come back with revoked tokens' entries.
package authcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/cachetier"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// TokenHash is the SHA-256 of a token; only the hash is stored or used as a key.
type TokenHash [sha256.Size]byte

// HashToken returns the hash of a raw token.
func HashToken(raw string) TokenHash { return sha256.Sum256([]byte(raw)) }

// revokedValue marks a revoked token's key until it expires; revokedID is the same mark in process.
const (
	revokedValue       = "-1"
	revokedID    int64 = -1
)

// tombstoneRetry is how often queued tombstones are retried.
const tombstoneRetry = 500 * time.Millisecond

// revokedMemory is how long a process remembers hashes it revoked itself; it only has to outlive the
// server's asynchronous invalidation of its client-side cache.
const revokedMemory = time.Minute

// Options configures New.
type Options struct {
	// Shared is the Valkey connection; nil means in-process caches only (revocation is then local).
	Shared *valkeyconn.Conn
	// KeyPrefix namespaces keys and the channel (tests use one per test; production "").
	KeyPrefix     string
	TokenTTL      time.Duration
	UserTTL       time.Duration
	UserCacheSize int
	Logger        *slog.Logger
	// Tombstones holds the revocations recorded in PostgreSQL; with it, the cache delivers them to Valkey
	// (see Start). Nil skips delivery (the CLI, which exits right away, and tests).
	Tombstones TombstoneStore
	// SweepInterval is how often recorded revocations are delivered; zero means TombstoneSweepInterval.
	SweepInterval time.Duration

	// clock is the in-process caches' time source; tests move a fake one instead of sleeping.
	clock otter.Clock
}

// Cache is the two-tier authentication cache. U is the caller's user type; values are shared, so callers
// must not modify them.
type Cache[U any] struct {
	o     Options
	users *otter.Cache[int64, U]
	// tokens is the token tier without Valkey: a user id, or revokedID for a revoked token (a tombstone that
	// a late fill cannot overwrite, as the Valkey path's tombstone cannot be).
	tokens  *otter.Cache[TokenHash, int64]
	revoked *otter.Cache[TokenHash, struct{}]

	// subscribed is true while the eviction channel is subscribed and the revocations recorded before are
	// delivered (always true without Valkey); while it is false both tiers miss.
	subscribed atomic.Bool
	writes     *cachetier.Queue
	// pending holds revocations whose tombstones could not be written yet (Valkey unreachable): the fast
	// path of their delivery, which PostgreSQL's record backs up.
	pendingMu sync.Mutex
	pending   map[TokenHash]struct{}
	// started is closed by Start: the schema exists, so recorded revocations can be read.
	started   chan struct{}
	startOnce sync.Once
	// inUse is closed when the user cache is first in use (subscribed, recorded revocations delivered).
	inUse     chan struct{}
	inUseOnce sync.Once
	stop      context.CancelFunc
	wg        sync.WaitGroup
}

// New returns a Cache and, with Valkey, starts the eviction subscriber and the background cache writer.
func New[U any](o Options) (*Cache[U], error) {
	users, err := otter.New(&otter.Options[int64, U]{
		MaximumSize:      o.UserCacheSize,
		ExpiryCalculator: otter.ExpiryWriting[int64, U](o.UserTTL),
		Clock:            o.clock,
	})
	if err != nil {
		return nil, fmt.Errorf("error creating user cache: %w", err)
	}
	revoked, err := otter.New(&otter.Options[TokenHash, struct{}]{
		MaximumSize:      100_000,
		ExpiryCalculator: otter.ExpiryWriting[TokenHash, struct{}](revokedMemory),
		Clock:            o.clock,
	})
	if err != nil {
		return nil, fmt.Errorf("error creating revocation cache: %w", err)
	}
	c := &Cache[U]{o: o, users: users, revoked: revoked, started: make(chan struct{}), inUse: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	if o.Shared == nil {
		c.tokens, err = otter.New(&otter.Options[TokenHash, int64]{
			MaximumSize:      o.UserCacheSize * 4,
			ExpiryCalculator: otter.ExpiryWriting[TokenHash, int64](o.TokenTTL),
			Clock:            o.clock,
		})
		if err != nil {
			return nil, fmt.Errorf("error creating token cache: %w", err)
		}
		c.subscribed.Store(true)
		c.inUseOnce.Do(func() { close(c.inUse) })
		if o.Tombstones != nil {
			c.wg.Add(1)
			go c.purgeLoop(ctx)
		}
		return c, nil
	}
	c.writes = cachetier.NewQueue(1024)
	c.pending = map[TokenHash]struct{}{}
	c.wg.Add(2)
	go c.subscribe(ctx)
	go c.retryLoop(ctx)
	if o.Tombstones != nil {
		c.wg.Add(1)
		go c.sweepLoop(ctx)
	}
	return c, nil
}

// Close stops the background goroutines.
func (c *Cache[U]) Close() {
	c.stop()
	c.wg.Wait()
	if c.writes != nil {
		c.writes.Close()
	}
}

func (c *Cache[U]) tokenKey(h TokenHash) string {
	return c.o.KeyPrefix + "auth_token:" + hex.EncodeToString(h[:])
}

func (c *Cache[U]) channel() string { return c.o.KeyPrefix + "homekeep:user-evict" }

// TokenUserID returns the user id a token belongs to, if cached. A warm answer comes from process memory.
// Any failure is a miss: the caller asks PostgreSQL.
func (c *Cache[U]) TokenUserID(ctx context.Context, h TokenHash) (int64, bool) {
	if _, revoked := c.revoked.GetIfPresent(h); revoked {
		return 0, false
	}
	if c.tokens != nil {
		id, ok := c.tokens.GetIfPresent(h)
		return id, ok && id > 0 // a tombstone is a miss
	}
	if !c.subscribed.Load() {
		// Until the recorded revocations are delivered (see receive), Valkey may still map a revoked token.
		return 0, false
	}
	key := c.tokenKey(h)
	res := c.o.Shared.DoCache(ctx, func(b valkey.Builder) valkey.Cacheable { return b.Get().Key(key).Cache() }, c.o.TokenTTL)
	id, err := res.AsInt64()
	if err != nil || id <= 0 { // missing, unreadable, or a revocation tombstone
		return 0, false
	}
	return id, true
}

// RememberToken records that h belongs to userID. With Valkey the write happens in the background so it
// adds no latency to the request that missed. The write never replaces an entry: a revocation that raced
// the request (it read the token from PostgreSQL before the revocation committed) left a tombstone, which
// must win for as long as the token could be cached.
func (c *Cache[U]) RememberToken(h TokenHash, userID int64) {
	if c.tokens != nil {
		if _, revoked := c.revoked.GetIfPresent(h); !revoked {
			c.tokens.SetIfAbsent(h, userID)
		}
		return
	}
	key, ttl := c.tokenKey(h), c.o.TokenTTL
	c.writes.Go(func(ctx context.Context) {
		// NX: a revocation that raced this request left a tombstone, which must win.
		err := c.o.Shared.Do(ctx, func(b valkey.Builder) valkey.Completed {
			return b.Set().Key(key).Value(strconv.FormatInt(userID, 10)).Nx().Ex(ttl).Build()
		}).Error()
		if err != nil && !valkey.IsValkeyNil(err) {
			return
		}
		// Read it back through the client-side cache, so this process's next request with the token is
		// served from memory rather than paying the GET itself.
		c.o.Shared.DoCache(ctx, func(b valkey.Builder) valkey.Cacheable { return b.Get().Key(key).Cache() }, ttl)
	})
}

// RevokeTokens forgets the hashes everywhere before returning: this process rejects them at once, and other
// processes as soon as Valkey's invalidation reaches them (typically well under a millisecond). When Valkey
// is unreachable the tombstones are queued and written when it answers again; the call still succeeds,
// because the revocation itself is already stored in PostgreSQL.
func (c *Cache[U]) RevokeTokens(ctx context.Context, hashes ...TokenHash) error {
	if len(hashes) == 0 {
		return nil
	}
	for _, h := range hashes {
		c.revoked.Set(h, struct{}{})
		if c.tokens != nil {
			c.tokens.Set(h, revokedID) // kept for TokenTTL, like the Valkey tombstone
		}
	}
	if c.tokens != nil {
		return nil
	}
	if err := c.writeTombstones(ctx, hashes); err != nil {
		// The revocation is stored in PostgreSQL and this process refuses the tokens; the other processes
		// lost their client-side copies with their Valkey connection. The tombstones are written as soon as
		// Valkey answers again, so a Valkey that comes back with its data cannot hand the tokens out.
		c.retryTombstones(hashes)
		c.o.Logger.WarnContext(ctx, "valkey unreachable during revocation; tombstones queued", "tokens", len(hashes), "error", err)
	}
	return nil
}

// writeTombstones marks the tokens revoked in Valkey. A tombstone rather than DEL: a request that read the
// token from PostgreSQL just before the revocation committed writes its cache entry with SET NX, which the
// tombstone refuses. Writing the key also makes Valkey invalidate every process's client-side copy.
func (c *Cache[U]) writeTombstones(ctx context.Context, hashes []TokenHash) error {
	ttl := c.o.TokenTTL
	_, err := c.o.Shared.DoMulti(ctx, func(b valkey.Builder) []valkey.Completed {
		cmds := make([]valkey.Completed, len(hashes))
		for i, h := range hashes {
			cmds[i] = b.Set().Key(c.tokenKey(h)).Value(revokedValue).Ex(ttl).Build()
		}
		return cmds
	})
	if err != nil {
		return fmt.Errorf("error revoking token keys: %w", err)
	}
	return nil
}

// maxPendingTombstones bounds the revocations kept for a Valkey outage.
const maxPendingTombstones = 100_000

// retryTombstones keeps hashes until writeTombstones succeeds (see retryLoop).
func (c *Cache[U]) retryTombstones(hashes []TokenHash) {
	c.pendingMu.Lock()
	defer c.pendingMu.Unlock()
	for _, h := range hashes {
		if len(c.pending) < maxPendingTombstones {
			c.pending[h] = struct{}{}
		}
	}
}

// PendingTombstones reports how many revocations wait for Valkey.
func (c *Cache[U]) PendingTombstones() int {
	c.pendingMu.Lock()
	defer c.pendingMu.Unlock()
	return len(c.pending)
}

// retryLoop writes queued tombstones once Valkey answers again.
func (c *Cache[U]) retryLoop(ctx context.Context) {
	defer c.wg.Done()
	t := time.NewTicker(tombstoneRetry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c.pendingMu.Lock()
		batch := make([]TokenHash, 0, len(c.pending))
		for h := range c.pending {
			batch = append(batch, h)
			if len(batch) == 1000 {
				break
			}
		}
		c.pendingMu.Unlock()
		if len(batch) == 0 || c.writeTombstones(ctx, batch) != nil {
			continue
		}
		c.pendingMu.Lock()
		for _, h := range batch {
			delete(c.pending, h)
		}
		c.pendingMu.Unlock()
	}
}

// User returns the cached user. While the eviction channel is not subscribed it always misses.
func (c *Cache[U]) User(id int64) (U, bool) {
	if !c.subscribed.Load() {
		var zero U
		return zero, false
	}
	return c.users.GetIfPresent(id)
}

// RememberUser caches u.
func (c *Cache[U]) RememberUser(id int64, u U) {
	if c.subscribed.Load() {
		c.users.Set(id, u)
	}
}

// EvictUser drops the user from this process at once and from every other process through the channel.
func (c *Cache[U]) EvictUser(ctx context.Context, id int64) error {
	c.users.Invalidate(id)
	if c.o.Shared == nil {
		return nil
	}
	msg := strconv.FormatInt(id, 10)
	ch := c.channel()
	if err := c.o.Shared.Do(ctx, func(b valkey.Builder) valkey.Completed {
		return b.Publish().Channel(ch).Message(msg).Build()
	}).Error(); err != nil {
		return fmt.Errorf("error publishing user eviction: %w", err)
	}
	return nil
}

// subscribe keeps the eviction channel subscribed. Whenever the subscription drops, the user cache is
// emptied and bypassed until it is back, since evictions published meanwhile were missed.
func (c *Cache[U]) subscribe(ctx context.Context) {
	defer c.wg.Done()
	ch := c.channel()
	for ctx.Err() == nil {
		cl, ok := c.o.Shared.Client()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		err := c.receive(ctx, cl, ch)
		c.subscribed.Store(false)
		c.users.InvalidateAll()
		if ctx.Err() != nil {
			return
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			c.o.Logger.Warn("user eviction channel lost; user cache bypassed until resubscribed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// receive subscribes on a dedicated connection and returns when it breaks or ctx ends. The user cache is
// trusted only once the server has confirmed the subscription and the revocations recorded in PostgreSQL
// have been delivered: while this process could not reach Valkey, a revocation may have failed to write its
// tombstone, and a Valkey that kept its data still maps that token to its user. Until then both tiers miss
// and every token is checked in PostgreSQL.
func (c *Cache[U]) receive(ctx context.Context, cl valkey.Client, ch string) error {
	dc, release := cl.Dedicate()
	defer release()
	confirmed := make(chan struct{}, 1)
	done := dc.SetPubSubHooks(valkey.PubSubHooks{
		OnMessage: func(m valkey.PubSubMessage) {
			if id, err := strconv.ParseInt(m.Message, 10, 64); err == nil {
				c.users.Invalidate(id)
			}
		},
		OnSubscription: func(s valkey.PubSubSubscription) {
			if s.Kind == "subscribe" {
				select {
				case confirmed <- struct{}{}:
				default:
				}
			}
		},
	})
	if err := dc.Do(ctx, dc.B().Subscribe().Channel(ch).Build()).Error(); err != nil {
		return fmt.Errorf("error subscribing to %s: %w", ch, err)
	}
	select {
	case <-confirmed:
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := c.deliverRecorded(ctx, done); err != nil {
		return err
	}
	c.users.InvalidateAll()
	c.subscribed.Store(true)
	c.inUseOnce.Do(func() { close(c.inUse) })
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
