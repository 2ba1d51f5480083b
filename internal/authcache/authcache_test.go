package authcache

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/identity"
	"github.com/homekeep/homekeep/internal/testvalkey"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

func newShared(t *testing.T, url, prefix string) (*Cache, *valkeyconn.Conn) {
	t.Helper()
	conn, err := valkeyconn.Connect(context.Background(), url, slog.New(slog.DiscardHandler), valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
	require.NoError(t, err)
	c, err := New(Options{Shared: conn, KeyPrefix: prefix, TokenTTL: time.Hour, UserTTL: time.Minute,
		UserCacheSize: 100, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c, conn
}

// settled waits until the token writes c has queued so far have been decided in Valkey (stored, or refused by
// a tombstone). The writes run one at a time in order (cachetier.Queue), so once a marker token queued after
// them can be read back, they are done: a signal instead of a guessed sleep.
func settled(t *testing.T, c *Cache) {
	t.Helper()
	marker := HashToken("settled-marker-" + t.Name())
	c.Remember(marker, &identity.User{ID: 1, IsActive: true})
	require.Eventually(t, func() bool { _, ok := c.TokenUserID(context.Background(), marker); return ok },
		2*time.Second, time.Millisecond, "a write queued after the others never landed")
}

func TestCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("LateFillCannotResurrectARevokedToken", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		a, _ := newShared(t, url, prefix)
		b, _ := newShared(t, url, prefix)
		h := HashToken("token-1")
		// b read the token from PostgreSQL just before a's revocation committed, and fills afterwards.
		require.NoError(t, a.RevokeTokens(ctx, h))
		b.Remember(h, &identity.User{ID: 42, IsActive: true})
		settled(t, b)
		for _, c := range []*Cache{a, b} {
			_, ok := c.TokenUserID(ctx, h)
			require.False(t, ok, "the tombstone wins over a late fill")
		}
	})

	t.Run("FillIsServedFromMemoryEverywhere", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		a, _ := newShared(t, url, prefix)
		b, bConn := newShared(t, url, prefix)
		h := HashToken("token-2")
		a.Remember(h, &identity.User{ID: 7, IsActive: true})
		require.Eventually(t, func() bool { id, ok := b.TokenUserID(ctx, h); return ok && id == 7 }, time.Second, 2*time.Millisecond)
		before := bConn.RoundTrips()
		id, ok := b.TokenUserID(ctx, h)
		require.True(t, ok)
		require.Equal(t, int64(7), id)
		require.Equal(t, before, bConn.RoundTrips(), "a warm lookup is not a round trip")
	})

	t.Run("EvictionReachesOtherProcesses", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		a, _ := newShared(t, url, prefix)
		b, _ := newShared(t, url, prefix)
		require.Eventually(t, func() bool { return a.subscribed.Load() && b.subscribed.Load() }, 2*time.Second, 5*time.Millisecond)
		b.RememberUser(&identity.User{ID: 1, FirstName: "old"})
		_, ok := b.User(1)
		require.True(t, ok)
		require.NoError(t, a.EvictUser(ctx, 1))
		require.Eventually(t, func() bool { _, ok := b.User(1); return !ok }, 100*time.Millisecond, time.Millisecond,
			"the other process drops the user within 100 ms")
	})

	t.Run("UserCacheIsBypassedUntilSubscribed", func(t *testing.T) {
		t.Parallel()
		// Valkey configured but unreachable: evictions could not arrive, so users are never served from memory.
		conn, err := valkeyconn.Connect(ctx, "redis://127.0.0.1:1", slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		defer conn.Close()
		c, err := New(Options{Shared: conn, TokenTTL: time.Hour, UserTTL: time.Minute, UserCacheSize: 10,
			Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		defer c.Close()
		c.RememberUser(&identity.User{ID: 1, FirstName: "x"})
		_, ok := c.User(1)
		require.False(t, ok)
		_, ok = c.TokenUserID(ctx, HashToken("t"))
		require.False(t, ok, "no token answers without Valkey either")
	})

	t.Run("InProcessWithoutValkey", func(t *testing.T) {
		t.Parallel()
		c, err := New(Options{TokenTTL: time.Hour, UserTTL: time.Minute, UserCacheSize: 2,
			Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		defer c.Close()
		h := HashToken("t")
		c.Remember(h, &identity.User{ID: 5, IsActive: true})
		id, ok := c.TokenUserID(ctx, h)
		require.True(t, ok)
		require.Equal(t, int64(5), id)
		require.NoError(t, c.RevokeTokens(ctx, h))
		_, ok = c.TokenUserID(ctx, h)
		require.False(t, ok)
		c.Remember(h, &identity.User{ID: 5, IsActive: true}) // a late fill after a local revocation
		_, ok = c.TokenUserID(ctx, h)
		require.False(t, ok, "recently revoked hashes are refused locally too")
	})

	t.Run("LateFillCannotResurrectARevokedTokenInProcess", func(t *testing.T) {
		t.Parallel()
		clock := &fakeClock{}
		c, err := New(Options{TokenTTL: time.Hour, UserTTL: time.Minute, UserCacheSize: 10,
			Logger: slog.New(slog.DiscardHandler), clock: clock})
		require.NoError(t, err)
		defer c.Close()
		h := HashToken("in-flight")
		// A request misses the cache and reads the token from PostgreSQL; the token is revoked meanwhile, and
		// the request's fill lands after the revocation.
		_, ok := c.TokenUserID(ctx, h)
		require.False(t, ok)
		require.NoError(t, c.RevokeTokens(ctx, h))
		c.Remember(h, &identity.User{ID: 5, IsActive: true})
		for _, later := range []time.Duration{time.Second, time.Minute + time.Second, 59 * time.Minute} {
			clock.Set(later)
			_, ok = c.TokenUserID(ctx, h)
			require.False(t, ok, "%v after the revocation the late fill must not authenticate the token", later)
		}
	})
}

// fakeClock is an otter.Clock that moves only when the test sets it.
type fakeClock struct{ now atomic.Int64 }

func (f *fakeClock) NowNano() int64                      { return f.now.Load() }
func (f *fakeClock) Tick(time.Duration) <-chan time.Time { return nil }

// Set moves the clock to d after its start.
func (f *fakeClock) Set(d time.Duration) { f.now.Store(int64(d)) }

func TestRevocationDuringValkeyOutage(t *testing.T) {
	t.Parallel()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		if server, err = exec.LookPath("valkey-server"); err != nil {
			t.Skip("needs redis-server or valkey-server to stop and start a Valkey of its own")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())
	ctx := context.Background()

	// Valkey is down when the revocation happens.
	c, conn := newShared(t, "redis://127.0.0.1:"+port, "")
	h := HashToken("revoked-during-outage")
	require.NoError(t, c.RevokeTokens(ctx, h), "the revocation is stored in PostgreSQL; the call succeeds")
	require.Equal(t, 1, c.PendingTombstones())
	_, ok := c.TokenUserID(ctx, h)
	require.False(t, ok)

	// Valkey comes back.
	cmd := exec.Command(server, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	require.Eventually(t, func() bool { return conn.Ping(ctx) == nil }, 5*time.Second, 20*time.Millisecond)

	require.Eventually(t, func() bool { return c.PendingTombstones() == 0 }, 5*time.Second, 20*time.Millisecond,
		"queued tombstones are written once Valkey answers")
	other, _ := newShared(t, "redis://127.0.0.1:"+port, "")
	other.Remember(h, &identity.User{ID: 42, IsActive: true}) // a late fill from a process that read PostgreSQL before the revocation
	settled(t, other)
	_, ok = other.TokenUserID(ctx, h)
	require.False(t, ok, "the tombstone wins")
}

// loader counts the SQL lookups Resolve makes; before runs inside the lookup, as a concurrent request would.
type loader struct {
	user   *identity.User
	calls  atomic.Int32
	before func()
}

func (l *loader) load(context.Context) (*identity.User, error) {
	l.calls.Add(1)
	if l.before != nil {
		l.before()
	}
	return l.user, nil
}

// processes returns two processes of one deployment: in process (the same cache twice) or sharing Valkey.
func processes(t *testing.T, shared bool) (a, b *Cache) {
	t.Helper()
	if !shared {
		c, err := New(Options{TokenTTL: time.Hour, UserTTL: time.Minute, UserCacheSize: 10,
			Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		t.Cleanup(c.Close)
		return c, c
	}
	url, prefix := testvalkey.New(t)
	a, _ = newShared(t, url, prefix)
	b, _ = newShared(t, url, prefix)
	require.Eventually(t, func() bool { return a.subscribed.Load() && b.subscribed.Load() }, 2*time.Second, 5*time.Millisecond)
	return a, b
}

func TestResolve(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	for _, shared := range []bool{false, true} {
		name := map[bool]string{false: "InProcess", true: "Valkey"}[shared]
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			t.Run("OneLookupThenWarm", func(t *testing.T) {
				t.Parallel()
				a, _ := processes(t, shared)
				h := HashToken("warm")
				l := &loader{user: &identity.User{ID: 3, IsActive: true}}
				u, err := a.Resolve(ctx, h, l.load)
				require.NoError(t, err)
				require.Equal(t, int64(3), u.ID)
				require.Equal(t, int32(1), l.calls.Load(), "a cold token costs one lookup")
				require.Eventually(t, func() bool {
					before := l.calls.Load()
					u, err := a.Resolve(ctx, h, l.load)
					return err == nil && u.ID == 3 && l.calls.Load() == before
				}, 2*time.Second, 2*time.Millisecond, "once the fill has landed, no lookup at all")
			})

			t.Run("RevocationDuringTheLookupWins", func(t *testing.T) {
				t.Parallel()
				a, b := processes(t, shared)
				h := HashToken("revoked mid-lookup")
				// a's lookup reads the token from PostgreSQL just before b's revocation commits.
				l := &loader{user: &identity.User{ID: 4, IsActive: true},
					before: func() { require.NoError(t, b.RevokeTokens(ctx, h)) }}
				_, err := a.Resolve(ctx, h, l.load)
				require.NoError(t, err, "the lookup itself saw the token")
				l.before = nil
				for range 20 { // fills run in the background: give a late one every chance to land
					for _, c := range []*Cache{a, b} {
						before := l.calls.Load()
						_, _ = c.Resolve(ctx, h, l.load)
						require.Equal(t, before+1, l.calls.Load(), "a revoked token is never answered from a cache")
					}
				}
			})

			t.Run("ErrorsAreReturnedAndNothingIsCached", func(t *testing.T) {
				t.Parallel()
				a, _ := processes(t, shared)
				h := HashToken("unknown")
				boom := errors.New("the token is invalid")
				_, err := a.Resolve(ctx, h, func(context.Context) (*identity.User, error) { return nil, boom })
				require.ErrorIs(t, err, boom)
				_, ok := a.TokenUserID(ctx, h)
				require.False(t, ok)
			})

			t.Run("AnInactiveUserIsLookedUpAgain", func(t *testing.T) {
				t.Parallel()
				a, _ := processes(t, shared)
				h := HashToken("deactivated")
				a.Remember(h, &identity.User{ID: 5, IsActive: false})
				require.Eventually(t, func() bool { _, ok := a.TokenUserID(ctx, h); return ok }, 2*time.Second, 2*time.Millisecond)
				l := &loader{user: &identity.User{ID: 5, IsActive: true}}
				_, err := a.Resolve(ctx, h, l.load)
				require.NoError(t, err)
				require.Equal(t, int32(1), l.calls.Load(), "a cached user that is not active is not trusted")
			})
		})
	}
}
