package boardversion

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testvalkey"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// modes runs a test against the in-process store and against two processes sharing one Valkey.
func modes(t *testing.T, run func(t *testing.T, a, b *Store)) {
	t.Helper()
	t.Run("InProcess", func(t *testing.T) {
		t.Parallel()
		s, err := New(Options{})
		require.NoError(t, err)
		t.Cleanup(s.Close)
		run(t, s, s)
	})
	t.Run("Valkey", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		run(t, openShared(t, url, prefix), openShared(t, url, prefix))
	})
}

// openShared opens a store over a Valkey connection of its own, as one process would.
func openShared(t *testing.T, url, prefix string) *Store {
	t.Helper()
	conn, err := valkeyconn.Connect(context.Background(), url, slog.New(slog.DiscardHandler),
		valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
	require.NoError(t, err)
	s, err := New(Options{Conn: conn, KeyPrefix: prefix})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close(); conn.Close() })
	return s
}

func read(t *testing.T, s *Store, ids ...int64) Stamp {
	t.Helper()
	st, err := s.Read(context.Background(), ids)
	require.NoError(t, err)
	require.Len(t, st.Residences, len(ids))
	require.NotEmpty(t, st.Lookups)
	for i, id := range ids {
		r := st.Residences[i]
		require.Equal(t, id, r.ID, "residences come back in the order asked")
		require.NotEmpty(t, r.Version, "a missing version is filled before Read returns")
	}
	return st
}

// eventually waits for another process's client-side copy to be invalidated.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, time.Millisecond, msg)
}

func TestStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("FillsAMissingVersionOnceForEveryProcess", func(t *testing.T) {
		t.Parallel()
		modes(t, func(t *testing.T, a, b *Store) {
			// Both processes read the missing versions at the same time: SET NX GET gives both the one stored.
			var wg sync.WaitGroup
			stamps := make([]Stamp, 2)
			for i, s := range []*Store{a, b} {
				wg.Go(func() {
					st, err := s.Read(ctx, []int64{1, 2})
					if err == nil {
						stamps[i] = st
					}
				})
			}
			wg.Wait()
			require.Equal(t, stamps[0], stamps[1], "both processes use the version stored first")
			require.Equal(t, stamps[0], read(t, a, 1, 2), "a filled version stays")
			require.NotEqual(t, stamps[0].Residences[0].Version, stamps[0].Residences[1].Version, "versions are random")
		})
	})

	t.Run("BumpReachesEveryProcessAndOnlyItsResidence", func(t *testing.T) {
		t.Parallel()
		modes(t, func(t *testing.T, a, b *Store) {
			before := read(t, b, 1, 2)
			require.NoError(t, a.Bump(ctx, 1))
			after := read(t, a, 1, 2)
			require.NotEqual(t, before.Residences[0].Version, after.Residences[0].Version, "the bumping process sees its bump at once")
			require.Equal(t, before.Residences[1], after.Residences[1], "another residence keeps its version")
			require.Equal(t, before.Lookups, after.Lookups)
			eventually(t, func() bool { return read(t, b, 1, 2).Residences[0] == after.Residences[0] },
				"the other process sees the bump")
		})
	})

	t.Run("TheBumpingProcessNeverReadsItsOldCopy", func(t *testing.T) {
		t.Parallel()
		// Valkey pushes the invalidation of the bumping process's own copy after replying to the bump: a read
		// right after it must not be served from the old copy (a writer's next board would be a stale 304).
		modes(t, func(t *testing.T, a, _ *Store) {
			for i := range 300 {
				before := read(t, a, 7).Residences[0].Version
				require.NoError(t, a.Bump(ctx, 7))
				require.NotEqual(t, before, read(t, a, 7).Residences[0].Version, "read %d right after a bump", i)
			}
		})
	})

	t.Run("BumpLookupsChangesTheLookupsVersionOnly", func(t *testing.T) {
		t.Parallel()
		modes(t, func(t *testing.T, a, b *Store) {
			before := read(t, b, 3)
			require.NoError(t, a.BumpLookups(ctx))
			after := read(t, a, 3)
			require.NotEqual(t, before.Lookups, after.Lookups)
			require.Equal(t, before.Residences, after.Residences)
			eventually(t, func() bool { return read(t, b, 3).Lookups == after.Lookups }, "the other process sees it")
		})
	})

	t.Run("KeepsTheTimezoneThroughBumps", func(t *testing.T) {
		t.Parallel()
		modes(t, func(t *testing.T, a, b *Store) {
			require.Empty(t, read(t, a, 4).Residences[0].Timezone, "unknown until set or filled")
			before := read(t, a, 4).Residences[0].Version
			a.SetTimezone(ctx, 4, "Europe/Oslo")
			got := read(t, a, 4).Residences[0]
			require.Equal(t, "Europe/Oslo", got.Timezone)
			require.NotEqual(t, before, got.Version, "a timezone change is a change of the board")
			require.NoError(t, a.Bump(ctx, 4))
			require.Equal(t, "Europe/Oslo", read(t, a, 4).Residences[0].Timezone, "a bump keeps the timezone")
			eventually(t, func() bool { return read(t, b, 4).Residences[0].Timezone == "Europe/Oslo" }, "every process knows it")
		})
	})

	t.Run("FillsAnUnknownTimezoneButNeverOverAChange", func(t *testing.T) {
		t.Parallel()
		modes(t, func(t *testing.T, a, b *Store) {
			st := read(t, a, 5, 6)
			// Residence 6's timezone changes while the reader is reading both from PostgreSQL.
			b.SetTimezone(ctx, 6, "Asia/Tokyo")
			a.FillTimezones(st, map[int64]string{5: "America/New_York", 6: "UTC"})
			eventually(t, func() bool { return read(t, a, 5).Residences[0].Timezone == "America/New_York" },
				"the unknown timezone is filled")
			// Fills are written one at a time in order: once a fill queued after them has landed, they are done.
			a.FillTimezones(read(t, a, 10), map[int64]string{10: "UTC"})
			eventually(t, func() bool { return read(t, a, 10).Residences[0].Timezone == "UTC" }, "the last fill landed")
			require.Equal(t, "Asia/Tokyo", read(t, b, 6).Residences[0].Timezone, "the fill did not overwrite the change")
			eventually(t, func() bool { return read(t, a, 6).Residences[0].Timezone == "Asia/Tokyo" },
				"the change is visible everywhere")
		})
	})

	t.Run("WarmReadIsNotARoundTrip", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		conn, err := valkeyconn.Connect(ctx, url, slog.New(slog.DiscardHandler), valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
		require.NoError(t, err)
		defer conn.Close()
		s, err := New(Options{Conn: conn, KeyPrefix: prefix})
		require.NoError(t, err)
		defer s.Close()
		s.SetTimezone(ctx, 9, "UTC")
		read(t, s, 8, 9)
		eventually(t, func() bool {
			before := conn.RoundTrips()
			read(t, s, 8, 9)
			return conn.RoundTrips() == before
		}, "once filled and pushed, a read of every version of a board is process memory")
	})
}

// TestStoreWhenValkeyFails stops a Valkey of the test's own: reads fail (the caller serves from PostgreSQL)
// rather than answer from what may be stale, and a bump that could not be written changes every board's
// ETag once Valkey is back, although Valkey kept the old versions (an append-only file).
func TestStoreWhenValkeyFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	server := testvalkey.StartServer(t)
	a, b := openShared(t, server.URL(), "bv:"), openShared(t, server.URL(), "bv:")
	before := read(t, a, 1)
	read(t, b, 1)

	server.Stop(t)
	_, err := a.Read(ctx, []int64{1})
	require.Error(t, err, "a read while Valkey is down fails instead of trusting its copy")
	require.Error(t, a.Bump(ctx, 1), "the bump of a write that committed cannot reach Valkey")

	server.Start(t)
	// Valkey is back with version 1 as it was; b never saw the failure. a's background retry bumps the
	// lookups version, so no board keeps the ETag it had when the lost bump should have changed it.
	eventually(t, func() bool {
		st, err := b.Read(ctx, []int64{1})
		return err == nil && st.Lookups != before.Lookups
	}, "the process whose bump was lost changes every board's ETag once Valkey is back")
	eventually(t, func() bool {
		_, err := a.Read(ctx, []int64{1})
		return err == nil
	}, "and serves versions again")
}
