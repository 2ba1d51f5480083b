package refcache

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testvalkey"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// modes runs a test against the in-process cache (a and b are one process) and two processes sharing Valkey.
func modes(t *testing.T, run func(t *testing.T, a, b *Cache)) {
	t.Helper()
	t.Run("InProcess", func(t *testing.T) {
		t.Parallel()
		c := New(nil, "", "static_data")
		t.Cleanup(c.Close)
		run(t, c, c)
	})
	t.Run("Valkey", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		open := func() *Cache {
			conn, err := valkeyconn.Connect(context.Background(), url, slog.New(slog.DiscardHandler), valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
			require.NoError(t, err)
			c := New(conn, prefix, "static_data")
			t.Cleanup(func() { c.Close(); conn.Close() })
			return c
		}
		run(t, open(), open())
	})
}

// served reports the document a process serves, filling doc on a miss as the handler does.
func served(c *Cache, doc string) (string, bool) {
	got, ok, fill := c.Lookup(context.Background())
	if !ok {
		c.Store(fill, doc)
	}
	return got, ok
}

func TestCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("StoreIsServedEverywhereWithoutBlockingTheRequest", func(t *testing.T) {
		t.Parallel()
		modes(t, func(t *testing.T, a, b *Cache) {
			_, ok, fill := a.Lookup(ctx)
			require.False(t, ok)
			a.Store(fill, `{"v":1}`)
			require.Eventually(t, func() bool { got, ok := served(b, `{"v":1}`); return ok && got == `{"v":1}` },
				2*time.Second, 2*time.Millisecond)
		})
	})

	t.Run("SeedingReplacesTheDocumentEverywhere", func(t *testing.T) {
		t.Parallel()
		modes(t, func(t *testing.T, a, b *Cache) {
			_, ok, stale := b.Lookup(ctx) // a request misses and reads PostgreSQL...
			require.False(t, ok)
			require.NoError(t, a.Invalidate(ctx)) // ...while the seed commits and invalidates
			b.Store(stale, "old")                 // a fill that read PostgreSQL before the seed lands after it
			require.Eventually(t, func() bool { got, ok := served(b, "new"); return ok && got == "new" },
				2*time.Second, 2*time.Millisecond, "the new document replaces the old one, never the reverse")
			require.Eventually(t, func() bool { got, ok := served(a, "new"); return ok && got == "new" },
				2*time.Second, 2*time.Millisecond)
		})
	})
}
