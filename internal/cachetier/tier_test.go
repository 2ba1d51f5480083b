package cachetier

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testvalkey"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// tier is the shape every test uses: ids to strings.
type tier = Tier[int64, string]

func options(conn *valkeyconn.Conn, prefix string, guard Guard) Options[int64, string] {
	return Options[int64, string]{
		Conn: conn, Name: "test values", Guard: guard, Codec: String, TTL: time.Minute,
		Key:    func(id int64) string { return prefix + "value:" + strconv.FormatInt(id, 10) },
		GenKey: func(id int64) string { return prefix + "gen:" + strconv.FormatInt(id, 10) },
	}
}

// modes runs a test against the in-process tier (a and b are the same process) and against two processes
// sharing one Valkey.
func modes(t *testing.T, guard Guard, run func(t *testing.T, a, b *tier)) {
	t.Helper()
	t.Run("InProcess", func(t *testing.T) {
		t.Parallel()
		c, err := New(options(nil, "", guard))
		require.NoError(t, err)
		t.Cleanup(c.Close)
		run(t, c, c)
	})
	t.Run("Valkey", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		run(t, open(t, url, prefix, guard), open(t, url, prefix, guard))
	})
}

// open is one process's tier over its own connection.
func open(t *testing.T, url, prefix string, guard Guard) *tier {
	t.Helper()
	conn, err := valkeyconn.Connect(context.Background(), url, slog.New(slog.DiscardHandler), valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
	require.NoError(t, err)
	c, err := New(options(conn, prefix, guard))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c
}

// drain waits until every fill queued so far has been written (the queue runs them in order).
func drain(t *testing.T, c *tier) {
	t.Helper()
	s, ok := c.b.(*shared[int64, string])
	if !ok {
		return // in process, fills are synchronous
	}
	done := make(chan struct{})
	require.True(t, s.writes.Go(func(context.Context) { close(done) }))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("queued fills were not written")
	}
}

func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 2*time.Second, 2*time.Millisecond, msg)
}

// cached reports the value of id if the tier serves it.
func cached(c *tier, id int64) (string, bool) {
	v, ok, _ := c.Get(context.Background(), id)
	return v, ok
}

func TestTier(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	for _, guard := range []Guard{Generation, Tombstone} {
		name := map[Guard]string{Generation: "Generation", Tombstone: "Tombstone"}[guard]
		t.Run("Either/"+name, func(t *testing.T) {
			t.Parallel()

			t.Run("FillIsServedEverywhere", func(t *testing.T) {
				t.Parallel()
				modes(t, guard, func(t *testing.T, a, b *tier) {
					_, ok, fill := a.Get(ctx, 1)
					require.False(t, ok)
					a.Fill(fill, "one")
					eventually(t, func() bool { v, ok := cached(b, 1); return ok && v == "one" }, "every process sees the fill")
				})
			})

			t.Run("InvalidationReachesEveryProcess", func(t *testing.T) {
				t.Parallel()
				modes(t, guard, func(t *testing.T, a, b *tier) {
					_, _, fill := a.Get(ctx, 2)
					a.Fill(fill, "two")
					eventually(t, func() bool { _, ok := cached(b, 2); return ok }, "b has it")
					require.NoError(t, a.Invalidate(ctx, 2))
					_, ok := cached(a, 2)
					require.False(t, ok, "the invalidating process misses at once")
					eventually(t, func() bool { _, ok := cached(b, 2); return !ok }, "the other process misses soon")
				})
			})

			t.Run("FillOvertakenByAnInvalidationIsDropped", func(t *testing.T) {
				t.Parallel()
				modes(t, guard, func(t *testing.T, a, b *tier) {
					_, _, fill := a.Get(ctx, 3)              // a request misses and reads the source...
					require.NoError(t, b.Invalidate(ctx, 3)) // ...while a change commits elsewhere
					a.Fill(fill, "old")                      // the old value must not come back
					drain(t, a)
					for _, c := range []*tier{a, b} {
						_, ok := cached(c, 3)
						require.False(t, ok, "the overtaken fill was refused")
					}
				})
			})
		})
	}

	t.Run("Generation", func(t *testing.T) {
		t.Parallel()

		t.Run("NextFillAfterAnInvalidationIsStored", func(t *testing.T) {
			t.Parallel()
			modes(t, Generation, func(t *testing.T, a, b *tier) {
				_, _, stale := a.Get(ctx, 4)
				require.NoError(t, b.Invalidate(ctx, 4))
				a.Fill(stale, "old")
				drain(t, a)
				eventually(t, func() bool {
					v, ok, fresh := a.Get(ctx, 4)
					require.False(t, ok && v == "old", "never the old value")
					if ok {
						return v == "new"
					}
					a.Fill(fresh, "new")
					drain(t, a)
					return false
				}, "a fill that began after the invalidation is stored")
				eventually(t, func() bool {
					v, ok, fill := b.Get(ctx, 4) // b trusts its copy again once its own fill has landed
					b.Fill(fill, "new")
					return ok && v == "new"
				}, "everywhere")
			})
		})

		t.Run("AddStoresNothing", func(t *testing.T) {
			t.Parallel()
			modes(t, Generation, func(t *testing.T, a, _ *tier) {
				a.Add(5, "unguarded")
				drain(t, a)
				_, ok := cached(a, 5)
				require.False(t, ok, "without the generation Get read, a fill cannot be guarded")
			})
		})
	})

	t.Run("Tombstone", func(t *testing.T) {
		t.Parallel()

		t.Run("RevokedKeyStaysRevoked", func(t *testing.T) {
			t.Parallel()
			modes(t, Tombstone, func(t *testing.T, a, b *tier) {
				a.Add(6, "token")
				eventually(t, func() bool { _, ok := cached(b, 6); return ok }, "b has it")
				require.NoError(t, a.Invalidate(ctx, 6))
				for _, c := range []*tier{a, b} {
					eventually(t, func() bool {
						_, ok, fill := c.Get(ctx, 6)
						return !ok && !fill.ok
					}, "a revoked key is a miss that offers no fill")
					c.Add(6, "late") // a login or a fill that raced the revocation
					drain(t, c)
				}
				for _, c := range []*tier{a, b} {
					_, ok := cached(c, 6)
					require.False(t, ok, "the tombstone beats every late fill")
				}
			})
		})

		t.Run("FillNeverReplacesAValue", func(t *testing.T) {
			t.Parallel()
			modes(t, Tombstone, func(t *testing.T, a, b *tier) {
				_, _, fill := b.Get(ctx, 7)
				a.Add(7, "first")
				drain(t, a)
				b.Fill(fill, "second")
				drain(t, b)
				for _, c := range []*tier{a, b} {
					eventually(t, func() bool { v, ok := cached(c, 7); return ok && v == "first" }, "SET NX keeps the first")
				}
			})
		})
	})

	t.Run("Load", func(t *testing.T) {
		t.Parallel()
		modes(t, Generation, func(t *testing.T, a, _ *tier) {
			var loads atomic.Int32
			load := func(context.Context) (string, error) { loads.Add(1); return "loaded", nil }
			v, err := a.Load(ctx, 8, load)
			require.NoError(t, err)
			require.Equal(t, "loaded", v)
			drain(t, a)
			eventually(t, func() bool {
				before := loads.Load()
				v, err := a.Load(ctx, 8, load)
				return err == nil && v == "loaded" && loads.Load() == before
			}, "a warm Load does not call load")
			boom := errors.New("source down")
			_, err = a.Load(ctx, 9, func(context.Context) (string, error) { return "", boom })
			require.ErrorIs(t, err, boom)
			_, ok := cached(a, 9)
			require.False(t, ok, "a failed load caches nothing")
		})
	})

	t.Run("WarmGetIsNotARoundTrip", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		conn, err := valkeyconn.Connect(ctx, url, slog.New(slog.DiscardHandler), valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
		require.NoError(t, err)
		defer conn.Close()
		for _, guard := range []Guard{Generation, Tombstone} {
			c, err := New(options(conn, prefix+strconv.Itoa(int(guard)), guard))
			require.NoError(t, err)
			defer c.Close()
			_, _, fill := c.Get(ctx, 1)
			c.Fill(fill, "v")
			drain(t, c)
			// The prime usually lands first; when Valkey's push about the fill's own write arrives after it,
			// the next Get pays the round trip and is then served from memory.
			eventually(t, func() bool {
				before := conn.RoundTrips()
				v, ok := cached(c, 1)
				return ok && v == "v" && conn.RoundTrips() == before
			}, "a warm Get is served from process memory")
		}
	})

	t.Run("MissesBeforeTheFillLandsQueueOneWrite", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		conn, err := valkeyconn.Connect(ctx, url, slog.New(slog.DiscardHandler), valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
		require.NoError(t, err)
		defer conn.Close()
		for _, guard := range []Guard{Generation, Tombstone} {
			c, err := New(options(conn, prefix+strconv.Itoa(int(guard)), guard))
			require.NoError(t, err)
			defer c.Close()
			s := c.b.(*shared[int64, string])
			block := make(chan struct{})
			require.True(t, s.writes.Go(func(context.Context) { <-block })) // hold the writer
			var fills []Fill[int64]
			for range 3 { // three requests miss before any fill lands
				_, ok, fill := c.Get(ctx, 1)
				require.False(t, ok)
				fills = append(fills, fill)
			}
			for _, f := range fills {
				c.Fill(f, "v")
			}
			before, requests := conn.BackgroundRoundTrips(), conn.RoundTrips()
			close(block)
			drain(t, c)
			require.LessOrEqual(t, conn.BackgroundRoundTrips()-before, int64(2), "guard %d: one write and one read-back, not three", guard)
			require.Equal(t, requests, conn.RoundTrips(), "fills are counted as background work")
			eventually(t, func() bool { v, ok := cached(c, 1); return ok && v == "v" }, "the one write landed")
		}
	})

	t.Run("ValkeyUnreachable", func(t *testing.T) {
		t.Parallel()
		conn, err := valkeyconn.Connect(ctx, "redis://127.0.0.1:1", slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		defer conn.Close()
		for _, guard := range []Guard{Generation, Tombstone} {
			c, err := New(options(conn, "", guard))
			require.NoError(t, err)
			defer c.Close()
			_, ok, fill := c.Get(ctx, 1)
			require.False(t, ok)
			require.False(t, fill.ok, "nothing is stored when Valkey could not be read")
			err = c.Invalidate(ctx, 1)
			require.ErrorIs(t, err, valkeyconn.ErrUnavailable)
			require.ErrorContains(t, err, "test values")
			_, ok, _ = c.Get(ctx, 1)
			require.False(t, ok)
		}
	})
}

// TestFillsRacingInvalidations runs readers that load and fill while a writer changes the source and
// invalidates: once an invalidation has returned, no reader of the invalidating process may be served a
// value older than the change it announced.
func TestFillsRacingInvalidations(t *testing.T) {
	t.Parallel()
	for _, guard := range []Guard{Generation, Tombstone} {
		t.Run(map[Guard]string{Generation: "Generation", Tombstone: "Tombstone"}[guard], func(t *testing.T) {
			t.Parallel()
			modes(t, guard, func(t *testing.T, c, _ *tier) {
				ctx := context.Background()
				var source, announced atomic.Int64 // the value in "PostgreSQL", and the last invalidated one
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for range 4 {
					wg.Go(func() {
						for {
							select {
							case <-stop:
								return
							default:
							}
							floor := announced.Load()
							v, err := c.Load(ctx, 1, func(context.Context) (string, error) {
								return strconv.FormatInt(source.Load(), 10), nil
							})
							require.NoError(t, err)
							n, err := strconv.ParseInt(v, 10, 64)
							require.NoError(t, err)
							require.GreaterOrEqual(t, n, floor, "served a value older than an invalidation that had returned")
						}
					})
				}
				for i := int64(1); i <= 200; i++ {
					source.Store(i)
					require.NoError(t, c.Invalidate(ctx, 1))
					announced.Store(i)
					if guard == Tombstone {
						// A revoked key stays revoked; revoke a fresh one each round instead.
						break
					}
				}
				close(stop)
				wg.Wait()
			})
		})
	}
}

// TestLocalTombstoneOutlivesItsEntry covers what a bounded cache in process adds: the tombstone that records
// an invalidation can be evicted, or expire, before a fill it overtook arrives.
func TestLocalTombstoneOutlivesItsEntry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("Evicted", func(t *testing.T) {
		t.Parallel()
		c, err := New(options(nil, "", Generation))
		require.NoError(t, err)
		l := c.b.(*local[int64, string])
		_, _, stale := c.Get(ctx, 1)
		require.NoError(t, c.Invalidate(ctx, 1))
		l.entries.SetMaximum(0) // evicts every entry, the tombstone included
		l.entries.CleanUp()
		_, present := l.entries.GetEntryQuietly(1)
		require.False(t, present, "the tombstone is gone")
		l.entries.SetMaximum(10)
		c.Fill(stale, "old")
		_, ok := cached(c, 1)
		require.False(t, ok, "the evicted tombstone still refuses the fill it overtook")
		_, _, fresh := c.Get(ctx, 1)
		c.Fill(fresh, "new")
		v, ok := cached(c, 1)
		require.True(t, ok, "a fill that began after the eviction is stored")
		require.Equal(t, "new", v)
	})

	t.Run("Expired", func(t *testing.T) {
		t.Parallel()
		clock := &fakeClock{}
		o := options(nil, "", Tombstone)
		o.Clock = clock
		c, err := New(o)
		require.NoError(t, err)
		_, _, stale := c.Get(ctx, 1)
		require.NoError(t, c.Invalidate(ctx, 1))
		clock.Set(o.TTL + time.Second)
		c.Fill(stale, "old")
		_, ok := cached(c, 1)
		require.False(t, ok, "a fill older than the tombstones' lifetime is refused")
		c.Add(1, "reissued")
		v, ok := cached(c, 1)
		require.True(t, ok, "once the tombstone has expired the key may be used again")
		require.Equal(t, "reissued", v)
	})

	t.Run("ValuesExpireAfterLocalTTL", func(t *testing.T) {
		t.Parallel()
		clock := &fakeClock{}
		o := options(nil, "", Generation)
		o.Clock, o.LocalTTL = clock, time.Second
		c, err := New(o)
		require.NoError(t, err)
		_, _, fill := c.Get(ctx, 1)
		c.Fill(fill, "v")
		_, ok := cached(c, 1)
		require.True(t, ok)
		clock.Set(2 * time.Second)
		_, ok = cached(c, 1)
		require.False(t, ok, "without Valkey another process's change cannot be announced, so values are short-lived")
	})
}

// fakeClock is an otter.Clock that moves only when the test sets it.
type fakeClock struct{ now atomic.Int64 }

func (f *fakeClock) NowNano() int64                      { return f.now.Load() }
func (f *fakeClock) Tick(time.Duration) <-chan time.Time { return nil }

// Set moves the clock to d after its start.
func (f *fakeClock) Set(d time.Duration) { f.now.Store(int64(d)) }
