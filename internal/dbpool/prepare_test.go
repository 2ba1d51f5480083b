package dbpool

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testwait"
)

// countPrepared returns how many of stmts are prepared on c's session.
func countPrepared(t *testing.T, c *pgxpool.Conn, stmts []string) int {
	t.Helper()
	var n int
	require.NoError(t, c.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_prepared_statements WHERE statement = ANY($1)", stmts).Scan(&n))
	return n
}

// preparedOnEvery reports whether every connection of pool is idle and has all of stmts prepared.
func preparedOnEvery(t *testing.T, pool *pgxpool.Pool, stmts []string) bool {
	t.Helper()
	ctx := context.Background()
	conns := pool.AcquireAllIdle(ctx)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	if len(conns) < int(pool.Stat().TotalConns()) {
		return false // some connection is still being prepared after its release
	}
	for _, c := range conns {
		if countPrepared(t, c, stmts) != len(stmts) {
			return false
		}
	}
	return true
}

func TestEveryConnectionGetsTheHotStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hot := []string{
		"SELECT count(*) FROM goose_db_version WHERE version_id > $1",
		"SELECT max(version_id) FROM goose_db_version WHERE is_applied = $1",
	}
	const minConns, maxConns = 2, 6
	onRequest := func(ctx context.Context) bool { return ctx.Value(requestKey{}) != nil }
	setup := func(t *testing.T) *pgxpool.Pool {
		t.Helper()
		pool, err := New(ctx, Options{URL: testdb.New(t), MaxConns: maxConns, MinConns: minConns, Prepare: hot,
			OnRequestPath: onRequest})
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		require.NoError(t, Warm(ctx, pool, minConns, hot...))
		return pool
	}
	rctx := context.WithValue(ctx, requestKey{}, true)

	t.Run("ConnectionsOpenedForABurst", func(t *testing.T) {
		t.Parallel()
		pool := setup(t)
		held := make([]*pgxpool.Conn, 0, maxConns)
		for range maxConns { // every request holds its connection: the pool opens the rest for waiting requests
			c, err := pool.Acquire(rctx)
			require.NoError(t, err)
			var got int
			require.NoError(t, c.QueryRow(rctx, hot[0], 0).Scan(&got), "an unprepared connection still serves")
			held = append(held, c)
		}
		require.Equal(t, int32(maxConns), pool.Stat().TotalConns())
		unprepared := 0
		for _, c := range held {
			if countPrepared(t, c, hot) == 0 {
				unprepared++
			}
		}
		require.Equal(t, maxConns-minConns, unprepared, "no request waited for its new connection to be prepared")
		for _, c := range held {
			c.Release()
		}
		testwait.Until(t, 5*time.Second, func() bool { return preparedOnEvery(t, pool, hot) },
			"every connection opened for the burst has the hot statements prepared")
	})

	t.Run("TheReplacementOfAConnectionDroppedMidRequest", func(t *testing.T) {
		t.Parallel()
		pool := setup(t)
		held := pool.AcquireAllIdle(ctx) // the warm connections are busy, so the request gets a new one
		require.Len(t, held, minConns)
		for range 2 { // a new connection dropped mid-request, then its replacement
			qctx, cancel := context.WithTimeout(rctx, 50*time.Millisecond)
			_, err := pool.Exec(qctx, "SELECT pg_sleep(5)")
			cancel()
			require.Error(t, err, "the client gave up; pgx closes the connection")
		}
		c, err := pool.Acquire(rctx)
		require.NoError(t, err)
		require.Zero(t, countPrepared(t, c, hot), "the replacement serves its request unprepared")
		c.Release()
		for _, c := range held {
			c.Release()
		}
		testwait.Until(t, 5*time.Second, func() bool { return preparedOnEvery(t, pool, hot) },
			"the replacement has the hot statements prepared")
	})
}

// planCounts returns, summed over stmts on c's session, how often PostgreSQL chose the generic and the custom
// plan (pg_prepared_statements counts both per statement).
func planCounts(t *testing.T, c *pgxpool.Conn, stmts []string) (generic, custom int) {
	t.Helper()
	require.NoError(t, c.QueryRow(context.Background(),
		"SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements WHERE statement = ANY($1)",
		stmts).Scan(&generic, &custom))
	return generic, custom
}

func TestHotStatementsArePlannedBeforeTheFirstRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hot := []string{
		"SELECT count(*) FROM goose_db_version WHERE version_id > $1",
		"SELECT max(version_id) FROM goose_db_version WHERE is_applied = $1 AND version_id < $2",
	}
	for _, tc := range []struct {
		name               string
		mode               string
		wantGenericAtStart int // per connection, over both statements
		wantCustomAfterUse int
	}{
		{"GenericModePlansEachOnceAtStart", PlanCacheGeneric, len(hot), 0},
		{"ServerDefaultLeavesPlanningToRequests", "", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const conns = 2
			pool, err := New(ctx, Options{URL: testdb.New(t), MaxConns: conns, MinConns: conns, Prepare: hot,
				PlanCacheMode: tc.mode})
			require.NoError(t, err)
			t.Cleanup(pool.Close)
			require.NoError(t, Warm(ctx, pool, conns, hot...))
			held := pool.AcquireAllIdle(ctx)
			t.Cleanup(func() { // before pool.Close, which waits for every connection to come back
				for _, c := range held {
					c.Release()
				}
			})
			require.Len(t, held, conns)
			for _, c := range held {
				generic, custom := planCounts(t, c, hot)
				require.Equal(t, tc.wantGenericAtStart, generic, "generic plans built while preparing")
				require.Zero(t, custom)
				var n int
				require.NoError(t, c.QueryRow(ctx, hot[0], 0).Scan(&n))
				_, custom = planCounts(t, c, hot)
				require.Equal(t, tc.wantCustomAfterUse, custom, "custom plans after the first request")
			}
		})
	}
}
