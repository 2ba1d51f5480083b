package authcache

import (
	"context"
	"log/slog"
	"net"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testvalkey"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

type user struct{ name string }

func newShared(t *testing.T, url, prefix string) (*Cache[*user], *valkeyconn.Conn) {
	t.Helper()
	conn, err := valkeyconn.Connect(context.Background(), url, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	c, err := New[*user](Options{Shared: conn, KeyPrefix: prefix, TokenTTL: time.Hour, UserTTL: time.Minute,
		UserCacheSize: 100, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c, conn
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
		b.RememberToken(h, 42)
		time.Sleep(100 * time.Millisecond)
		for _, c := range []*Cache[*user]{a, b} {
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
		a.RememberToken(h, 7)
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
		b.RememberUser(1, &user{"old"})
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
		c, err := New[*user](Options{Shared: conn, TokenTTL: time.Hour, UserTTL: time.Minute, UserCacheSize: 10,
			Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		defer c.Close()
		c.RememberUser(1, &user{"x"})
		_, ok := c.User(1)
		require.False(t, ok)
		_, ok = c.TokenUserID(ctx, HashToken("t"))
		require.False(t, ok, "no token answers without Valkey either")
	})

	t.Run("InProcessWithoutValkey", func(t *testing.T) {
		t.Parallel()
		c, err := New[*user](Options{TokenTTL: time.Hour, UserTTL: time.Minute, UserCacheSize: 2,
			Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		defer c.Close()
		h := HashToken("t")
		c.RememberToken(h, 5)
		id, ok := c.TokenUserID(ctx, h)
		require.True(t, ok)
		require.Equal(t, int64(5), id)
		require.NoError(t, c.RevokeTokens(ctx, h))
		_, ok = c.TokenUserID(ctx, h)
		require.False(t, ok)
		c.RememberToken(h, 5) // a late fill after a local revocation
		_, ok = c.TokenUserID(ctx, h)
		require.False(t, ok, "recently revoked hashes are refused locally too")
	})

	t.Run("LateFillCannotResurrectARevokedTokenInProcess", func(t *testing.T) {
		t.Parallel()
		clock := &fakeClock{}
		c, err := New[*user](Options{TokenTTL: time.Hour, UserTTL: time.Minute, UserCacheSize: 10,
			Logger: slog.New(slog.DiscardHandler), clock: clock})
		require.NoError(t, err)
		defer c.Close()
		h := HashToken("in-flight")
		// A request misses the cache and reads the token from PostgreSQL; the token is revoked meanwhile, and
		// the request's fill lands after the revocation.
		_, ok := c.TokenUserID(ctx, h)
		require.False(t, ok)
		require.NoError(t, c.RevokeTokens(ctx, h))
		c.RememberToken(h, 5)
		for _, later := range []time.Duration{time.Second, revokedMemory + time.Second, 59 * time.Minute} {
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
	other.RememberToken(h, 42) // a late fill from a process that read PostgreSQL before the revocation
	time.Sleep(100 * time.Millisecond)
	_, ok = other.TokenUserID(ctx, h)
	require.False(t, ok, "the tombstone wins")
}
