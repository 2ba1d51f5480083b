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
	"github.com/homekeep/homekeep/internal/identity"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// TokenHash is the SHA-256 of a token; only the hash is stored or used as a key.
type TokenHash [sha256.Size]byte

// HashToken returns the hash of a raw token.
func HashToken(raw string) TokenHash { return sha256.Sum256([]byte(raw)) }

// tombstoneRetry is how often queued tombstones are retried.
const tombstoneRetry = 500 * time.Millisecond

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
	// (see Start and DeliverRecorded). Nil skips delivery (the CLI, which exits right away, and tests).
	Tombstones TombstoneStore

	// clock is the in-process caches' time source; tests move a fake one instead of sleeping.
	clock otter.Clock
}

// Cache is the two-tier authentication cache. Users are shared between requests, so callers must not
// modify them.
type Cache struct {
	o      Options
	tokens *cachetier.Tier[TokenHash, int64]
	users  *otter.Cache[int64, *identity.User]
	// shared is the user tier in Valkey under users (nil without Valkey; see users.go), and adds writes
	// the users read without a guard to it in the background.
	shared *cachetier.Tier[int64, *identity.User]
	adds   *cachetier.Queue
	// evictions counts the evictions received from the channel (see sharedUser).
	evictions atomic.Uint64
	// userHits and userMisses count Begin's user lookups after a token hit (see CacheStats).
	userHits, userMisses atomic.Uint64

	// subscribed is true while the eviction channel is subscribed and the revocations recorded before are
	// delivered (always true without Valkey); while it is false both tiers miss.
	subscribed atomic.Bool
	// pending holds revocations whose tombstones could not be written yet (Valkey unreachable): the fast
	// path of their delivery, which PostgreSQL's record backs up.
	pendingMu sync.Mutex
	pending   map[TokenHash]struct{}
	// pendingUsers holds users whose Valkey entry could not be deleted yet (retried with the tombstones).
	pendingUsers map[int64]struct{}
	// started is closed by Start: the schema exists, so recorded revocations can be read.
	started   chan struct{}
	startOnce sync.Once
	// inUse is closed when the user cache is first in use (subscribed, recorded revocations delivered).
	inUse     chan struct{}
	inUseOnce sync.Once
	stop      context.CancelFunc
	wg        sync.WaitGroup
}

// New returns a Cache and, with Valkey, starts the eviction subscriber and the delivery of revocations.
func New(o Options) (*Cache, error) {
	users, err := otter.New(&otter.Options[int64, *identity.User]{
		MaximumSize:      o.UserCacheSize,
		ExpiryCalculator: otter.ExpiryWriting[int64, *identity.User](o.UserTTL),
		Clock:            o.clock,
	})
	if err != nil {
		return nil, fmt.Errorf("error creating user cache: %w", err)
	}
	tokens, err := cachetier.New(cachetier.Options[TokenHash, int64]{
		Conn: o.Shared, Name: "tokens", Guard: cachetier.Tombstone, Codec: cachetier.Int64,
		Key: func(h TokenHash) string { return o.KeyPrefix + "auth_token:" + hex.EncodeToString(h[:]) },
		TTL: o.TokenTTL, LocalSize: o.UserCacheSize * 4, Clock: o.clock,
	})
	if err != nil {
		return nil, err
	}
	c := &Cache{o: o, tokens: tokens, users: users, started: make(chan struct{}), inUse: make(chan struct{})}
	// The goroutines' Valkey calls (retries, deliveries) are background work, not any request's round trip.
	ctx, cancel := context.WithCancel(valkeyconn.Background(context.Background()))
	c.stop = cancel
	if o.Shared == nil {
		c.subscribed.Store(true)
		c.inUseOnce.Do(func() { close(c.inUse) })
		return c, nil
	}
	c.pending = map[TokenHash]struct{}{}
	c.pendingUsers = map[int64]struct{}{}
	if c.shared, err = c.newSharedUsers(); err != nil {
		cancel()
		tokens.Close()
		return nil, err
	}
	c.adds = cachetier.NewQueue(1024)
	c.wg.Add(2)
	go c.subscribe(ctx)
	go c.retryLoop(ctx)
	return c, nil
}

// Close stops the background goroutines.
func (c *Cache) Close() {
	c.stop()
	c.wg.Wait()
	c.tokens.Close()
	if c.shared != nil {
		c.adds.Close()
		c.shared.Close()
	}
	c.users.StopAllGoroutines()
}

func (c *Cache) channel() string { return c.o.KeyPrefix + "homekeep:user-evict" }

// Resolve returns the active user a token belongs to. Warm, it is two in-memory lookups: the token's user id
// (valkey-go's client-side cache, or otter) and the user (otter). When the user is not in process, Valkey's
// copy is read (through the client-side cache), so a restarted process needs no SQL for a token and user
// Valkey knows. Otherwise it calls load, the one SQL statement that joins the token to its active user, and
// caches the answer: the token and the Valkey user in the background (SET NX and a generation check, so a
// revocation or eviction that raced load wins) and the user in process. Errors from load, such as an
// unknown token, are returned as they are. It is Begin, load and Miss.Complete in one call.
func (c *Cache) Resolve(ctx context.Context, h TokenHash, load func(context.Context) (*identity.User, error)) (*identity.User, error) {
	u, miss := c.Begin(ctx, h)
	if miss == nil {
		return u, nil
	}
	u, err := load(ctx)
	if err != nil {
		return nil, err
	}
	miss.Complete(u)
	return u, nil
}

// Miss is a lookup the caches could not answer. It holds what the lookup saw (the fills' guards), so that the
// user read from PostgreSQL afterwards, by whatever statement and whenever it runs, is cached as Resolve would
// cache it: a revocation or eviction that came in between still wins. Drop it when the token turned out
// unknown or inactive; nothing is cached then.
type Miss struct {
	c *Cache
	// id is the user id the token tier held (hit), which the user tier then missed.
	id       int64
	hit      bool
	fill     cachetier.Fill[TokenHash]
	userFill cachetier.Fill[int64]
	guarded  bool
	// seq is the eviction count before the lookup (see Complete).
	seq uint64
}

// Begin looks the token and its user up in the caches, as Resolve does. It returns the user when they
// answer, or else a Miss to Complete with the user once it has been read from PostgreSQL: Resolve does that
// at once; a read that authenticates inside its own data statement does it when that statement returns.
func (c *Cache) Begin(ctx context.Context, h TokenHash) (*identity.User, *Miss) {
	m := &Miss{c: c, seq: c.evictions.Load()}
	// Until the recorded revocations are delivered (see receive), Valkey may still map a revoked token.
	if c.subscribed.Load() {
		m.id, m.hit, m.fill = c.tokens.Get(ctx, h)
		if m.hit && m.id > 0 {
			if u, ok := c.users.GetIfPresent(m.id); ok && u.IsActive {
				c.userHits.Add(1)
				return u, nil
			}
			if c.shared != nil {
				var u *identity.User
				var ok bool
				if u, ok, m.userFill = c.sharedUser(ctx, m.id); ok {
					c.userHits.Add(1)
					return u, nil
				}
				m.guarded = true
			}
			c.userMisses.Add(1)
		}
	}
	return nil, m
}

// Complete caches u, the active user of the token Begin missed, read from PostgreSQL after Begin: the token
// and the Valkey user in the background, guarded by what Begin saw, and the user in process.
func (m *Miss) Complete(u *identity.User) {
	c := m.c
	// A token that was a hit is not filled again: rewriting a key that is already right would invalidate
	// this process's own cached copy of it.
	c.tokens.Fill(m.fill, u.ID)
	if m.guarded && u.ID == m.id {
		c.shared.Fill(m.userFill, u)
	} else if !m.hit {
		c.addSharedUser(u)
	}
	c.RememberUser(u)
	// An eviction that came while the user was read may have been applied before the line above: forget
	// what may be the old user (evictions are rare, so dropping an unrelated user now and then costs nothing).
	if c.evictions.Load() != m.seq {
		c.users.Invalidate(u.ID)
	}
}

// Remember caches a token just issued (login, registration) and its user, so the client's next request is
// warm. With Valkey the token is written in the background, never over an entry.
func (c *Cache) Remember(h TokenHash, u *identity.User) {
	c.tokens.Add(h, u.ID)
	c.addSharedUser(u)
	c.RememberUser(u)
}

// TokenUserID returns the user id a token belongs to, if cached; tests and diagnostics use it. A warm
// answer comes from process memory. Any failure is a miss.
func (c *Cache) TokenUserID(ctx context.Context, h TokenHash) (int64, bool) {
	if !c.subscribed.Load() {
		return 0, false
	}
	id, ok, _ := c.tokens.Get(ctx, h)
	return id, ok && id > 0
}

// RevokeTokens forgets the hashes everywhere before returning: this process rejects them at once, and other
// processes as soon as Valkey's invalidation reaches them (typically well under a millisecond). When Valkey
// is unreachable the tombstones are queued and written when it answers again; the call still succeeds,
// because the revocation itself is already stored in PostgreSQL. It then returns only once the other
// processes must have dropped their client-side copies (at most valkeyconn.StaleBound into the outage), so
// that no process serves a token after its revocation was answered.
func (c *Cache) RevokeTokens(ctx context.Context, hashes ...TokenHash) error {
	start := time.Now()
	if err := c.writeTombstones(ctx, hashes); err != nil {
		// The revocation is stored in PostgreSQL and this process refuses the tokens. A process that has not
		// yet noticed that Valkey stopped answering (it answers from its client-side copy, which needs no
		// network) may still accept them: wait until each has lost its copies with its Valkey connection.
		// The tombstones are written as soon as Valkey answers again, so a Valkey that comes back with its
		// data cannot hand the tokens out.
		c.retryTombstones(hashes)
		c.o.Logger.WarnContext(ctx, "valkey unreachable during revocation; tombstones queued", "tokens", len(hashes), "error", err)
		c.o.Shared.AwaitStaleCopies(ctx, start)
	}
	return nil
}

// writeTombstones marks the tokens revoked: a tombstone rather than a delete, so that a request that read the
// token from PostgreSQL just before the revocation committed cannot put its entry back (see cachetier's
// Tombstone guard). With Valkey, writing the keys also makes Valkey invalidate every process's client-side
// copy; without it the tombstones are in process and this never fails.
func (c *Cache) writeTombstones(ctx context.Context, hashes []TokenHash) error {
	if err := c.tokens.Invalidate(ctx, hashes...); err != nil {
		return fmt.Errorf("error revoking token keys: %w", err)
	}
	return nil
}

// maxPendingTombstones bounds the revocations kept for a Valkey outage.
const maxPendingTombstones = 100_000

// retryTombstones keeps hashes until writeTombstones succeeds (see retryLoop).
func (c *Cache) retryTombstones(hashes []TokenHash) {
	c.pendingMu.Lock()
	defer c.pendingMu.Unlock()
	for _, h := range hashes {
		if len(c.pending) < maxPendingTombstones {
			c.pending[h] = struct{}{}
		}
	}
}

// PendingTombstones reports how many revocations wait for Valkey.
func (c *Cache) PendingTombstones() int {
	c.pendingMu.Lock()
	defer c.pendingMu.Unlock()
	return len(c.pending)
}

// retryLoop writes queued tombstones once Valkey answers again.
func (c *Cache) retryLoop(ctx context.Context) {
	defer c.wg.Done()
	t := time.NewTicker(tombstoneRetry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		c.retryUsers(ctx)
		retryPending(&c.pendingMu, c.pending, func(batch []TokenHash) error { return c.writeTombstones(ctx, batch) })
	}
}

// retryPending takes up to 1000 of the keys in pending (guarded by mu), hands them to write and forgets them
// when it succeeds; they stay for the next pass otherwise.
func retryPending[K comparable](mu *sync.Mutex, pending map[K]struct{}, write func([]K) error) {
	mu.Lock()
	batch := make([]K, 0, min(len(pending), 1000))
	for k := range pending {
		batch = append(batch, k)
		if len(batch) == 1000 {
			break
		}
	}
	mu.Unlock()
	if len(batch) == 0 || write(batch) != nil {
		return
	}
	mu.Lock()
	for _, k := range batch {
		delete(pending, k)
	}
	mu.Unlock()
}

// User returns the cached user. While the eviction channel is not subscribed it always misses.
func (c *Cache) User(id int64) (*identity.User, bool) {
	if !c.subscribed.Load() {
		return nil, false
	}
	return c.users.GetIfPresent(id)
}

// RememberUser caches u, as read from PostgreSQL after a change (evict it everywhere first).
func (c *Cache) RememberUser(u *identity.User) {
	if c.subscribed.Load() {
		c.users.Set(u.ID, u)
	}
}

// EvictUser drops the user from this process at once, from Valkey (which invalidates every process's
// client-side copy, and refuses a fill that read the old user), and from every other process's in-process
// cache through the channel.
func (c *Cache) EvictUser(ctx context.Context, id int64) error {
	c.users.Invalidate(id)
	c.evictions.Add(1)
	if c.o.Shared == nil {
		return nil
	}
	if err := c.evictShared(ctx, id); err != nil {
		c.o.Logger.WarnContext(ctx, "valkey unreachable during user eviction; retried", "user_id", id, "error", err)
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
func (c *Cache) subscribe(ctx context.Context) {
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
func (c *Cache) receive(ctx context.Context, cl valkey.Client, ch string) error {
	dc, release := cl.Dedicate()
	defer release()
	confirmed := make(chan struct{}, 1)
	done := dc.SetPubSubHooks(valkey.PubSubHooks{
		OnMessage: func(m valkey.PubSubMessage) {
			if m.Message == evictAllMessage {
				c.receivedAll(ctx)
				return
			}
			if id, err := strconv.ParseInt(m.Message, 10, 64); err == nil {
				c.received(ctx, id)
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
