package accesscache

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testvalkey"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// modes runs a test against the in-process cache and against two processes sharing one Valkey.
func modes(t *testing.T, run func(t *testing.T, a, b *Cache, shared bool)) {
	t.Helper()
	t.Run("InProcess", func(t *testing.T) {
		t.Parallel()
		c, err := New(Options{TTL: time.Minute})
		require.NoError(t, err)
		run(t, c, c, false)
	})
	t.Run("Valkey", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		open := func() *Cache {
			conn, err := valkeyconn.Connect(context.Background(), url, slog.New(slog.DiscardHandler), valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
			require.NoError(t, err)
			c, err := New(Options{Shared: conn, KeyPrefix: prefix, TTL: time.Minute})
			require.NoError(t, err)
			t.Cleanup(func() { c.Close(); conn.Close() })
			return c
		}
		run(t, open(), open(), true)
	})
}

// eventually waits for background fills and cross-process invalidations.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 2*time.Second, 2*time.Millisecond, msg)
}

// settled waits until the writes c has queued so far have been decided in Valkey (stored, or refused for a
// stale generation). The writes run one at a time in order (cachetier.Queue), so once a fill of key queued
// after them can be read back, they are done: a signal instead of a guessed sleep. In process, fills are
// decided at once.
func settled(t *testing.T, c *Cache, key int64) {
	t.Helper()
	_, _, fill := c.Lookup(context.Background(), key)
	c.Store(fill, []int64{1})
	eventually(t, func() bool { _, ok, _ := c.Lookup(context.Background(), key); return ok },
		"a fill queued after the others never landed")
}

func TestCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("StoresAndServesAList", func(t *testing.T) {
		t.Parallel()
		modes(t, func(t *testing.T, a, b *Cache, _ bool) {
			_, ok, fill := a.Lookup(ctx, 7)
			require.False(t, ok)
			a.Store(fill, []int64{3, 5})
			eventually(t, func() bool {
				ids, ok, _ := b.Lookup(ctx, 7)
				return ok && len(ids) == 2 && ids[0] == 3 && ids[1] == 5
			}, "every process sees the stored list")
		})
	})

	t.Run("CachesAnEmptyList", func(t *testing.T) {
		t.Parallel()
		modes(t, func(t *testing.T, a, _ *Cache, _ bool) {
			_, _, fill := a.Lookup(ctx, 8)
			a.Store(fill, []int64{})
			eventually(t, func() bool { ids, ok, _ := a.Lookup(ctx, 8); return ok && len(ids) == 0 }, "empty is a value")
		})
	})

	t.Run("InvalidationReachesEveryProcess", func(t *testing.T) {
		t.Parallel()
		modes(t, func(t *testing.T, a, b *Cache, _ bool) {
			_, _, fill := a.Lookup(ctx, 9)
			a.Store(fill, []int64{1})
			eventually(t, func() bool { _, ok, _ := b.Lookup(ctx, 9); return ok }, "b has it")
			require.NoError(t, a.Invalidate(ctx, 9))
			_, ok, _ := a.Lookup(ctx, 9)
			require.False(t, ok, "the invalidating process misses at once")
			start := time.Now()
			eventually(t, func() bool { _, ok, _ := b.Lookup(ctx, 9); return !ok }, "the other process misses soon")
			require.Less(t, time.Since(start), 100*time.Millisecond)
		})
	})

	t.Run("FillThatRacedAnInvalidationIsDropped", func(t *testing.T) {
		t.Parallel()
		modes(t, func(t *testing.T, a, b *Cache, _ bool) {
			_, _, staleFill := a.Lookup(ctx, 10)      // a request reads the old list from PostgreSQL...
			require.NoError(t, b.Invalidate(ctx, 10)) // ...while a membership change commits elsewhere
			a.Store(staleFill, []int64{42})           // the old list must not come back
			settled(t, a, 11)
			_, ok, fresh := a.Lookup(ctx, 10)
			require.False(t, ok, "the stale fill was refused")
			a.Store(fresh, []int64{43})
			eventually(t, func() bool { ids, ok, _ := a.Lookup(ctx, 10); return ok && ids[0] == 43 }, "a fresh fill is accepted")
		})
	})

	t.Run("ValkeyWarmLookupIsNotARoundTrip", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		conn, err := valkeyconn.Connect(ctx, url, slog.New(slog.DiscardHandler), valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
		require.NoError(t, err)
		defer conn.Close()
		c, err := New(Options{Shared: conn, KeyPrefix: prefix})
		require.NoError(t, err)
		defer c.Close()
		_, _, fill := c.Lookup(ctx, 11)
		c.Store(fill, []int64{1, 2, 3})
		eventually(t, func() bool {
			before := conn.RoundTrips()
			_, ok, _ := c.Lookup(ctx, 11)
			return ok && conn.RoundTrips() == before
		}, "after the fill, lookups are served from process memory")
	})
}

func TestEncoding(t *testing.T) {
	t.Parallel()
	for _, ids := range [][]int64{{}, {1}, {1, 22, 333}} {
		got, err := decode(encode(ids))
		require.NoError(t, err)
		require.Equal(t, ids, got)
	}
	_, err := decode("1,x")
	require.Error(t, err)
}
