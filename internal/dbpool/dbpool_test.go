package dbpool

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
)

func TestNew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ConfiguresOneRoundTripPerStatement", func(t *testing.T) {
		t.Parallel()
		pool, err := New(ctx, Options{URL: "postgres://u@127.0.0.1:1/db", MaxConns: 7, MinConns: 3,
			MaxConnLifetime: time.Hour, MaxConnIdleTime: time.Minute})
		require.NoError(t, err)
		defer pool.Close()
		cfg := pool.Config()
		require.Equal(t, pgx.QueryExecModeExec, cfg.ConnConfig.DefaultQueryExecMode)
		require.Equal(t, int32(7), cfg.MaxConns)
		require.Equal(t, int32(3), cfg.MinConns)
		require.Equal(t, time.Hour/10, cfg.MaxConnLifetimeJitter)
		require.Equal(t, "homekeep", cfg.ConnConfig.RuntimeParams["application_name"])
		for _, idle := range []time.Duration{time.Second, 30 * time.Second, 5 * time.Minute, 10 * time.Minute, 24 * time.Hour} {
			require.False(t, cfg.ShouldPing(ctx, pgxpool.ShouldPingParams{IdleDuration: idle}),
				"a connection idle for %v is used without a ping; a read on a dead one is repeated by DB", idle)
		}
	})

	t.Run("KeepsNoSessionStateBehindTransactionPooler", func(t *testing.T) {
		t.Parallel()
		pool, err := New(ctx, Options{URL: "postgres://u@127.0.0.1:1/db", NoSessionState: true})
		require.NoError(t, err)
		defer pool.Close()
		cc := pool.Config().ConnConfig
		require.Zero(t, cc.StatementCacheCapacity)
		require.Zero(t, cc.DescriptionCacheCapacity)
	})

	t.Run("RejectsMalformedURL", func(t *testing.T) {
		t.Parallel()
		_, err := New(ctx, Options{URL: "postgres://%zz"})
		require.ErrorContains(t, err, "DATABASE_URL")
	})
}

func TestWarm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("OpensMinConnsBeforeReturning", func(t *testing.T) {
		t.Parallel()
		pool, err := New(ctx, Options{URL: testdb.New(t), MaxConns: 10, MinConns: 5})
		require.NoError(t, err)
		defer pool.Close()
		require.NoError(t, Warm(ctx, pool, 5))
		st := pool.Stat()
		require.GreaterOrEqual(t, st.TotalConns(), int32(5))
		require.LessOrEqual(t, st.TotalConns(), int32(6), "waits for the pool's own connections instead of duplicating them")
	})

	t.Run("FailsWhenDatabaseUnreachable", func(t *testing.T) {
		t.Parallel()
		pool, err := New(ctx, Options{URL: "postgres://postgres@127.0.0.1:1/none?connect_timeout=1", MinConns: 2})
		require.NoError(t, err)
		defer pool.Close()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		require.Error(t, Warm(wctx, pool, 2))
	})

	t.Run("ZeroMinConnsStillChecksReachability", func(t *testing.T) {
		t.Parallel()
		pool, err := New(ctx, Options{URL: testdb.New(t)})
		require.NoError(t, err)
		defer pool.Close()
		require.NoError(t, Warm(ctx, pool, 0))
	})
}

func TestPrepare(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const hot = "SELECT count(*) FROM goose_db_version WHERE version_id > $1"

	t.Run("WarmConnectionsHoldTheHotStatements", func(t *testing.T) {
		t.Parallel()
		pool, err := New(ctx, Options{URL: testdb.New(t), MaxConns: 4, MinConns: 3, Prepare: []string{hot}})
		require.NoError(t, err)
		defer pool.Close()
		require.NoError(t, Warm(ctx, pool, 3, hot))
		conns := pool.AcquireAllIdle(ctx)
		defer func() {
			for _, c := range conns {
				c.Release()
			}
		}()
		require.GreaterOrEqual(t, len(conns), 3)
		for _, c := range conns {
			var n int
			require.NoError(t, c.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", hot).Scan(&n))
			require.Equal(t, 1, n, "every warm connection has the hot statement prepared")
			var got int
			require.NoError(t, c.QueryRow(ctx, hot, 0).Scan(&got), "and pgx runs it as that prepared statement")
		}
	})

	t.Run("NothingIsPreparedBehindATransactionPooler", func(t *testing.T) {
		t.Parallel()
		pool, err := New(ctx, Options{URL: testdb.New(t), MaxConns: 2, MinConns: 1, Prepare: []string{hot}, NoSessionState: true})
		require.NoError(t, err)
		defer pool.Close()
		require.NoError(t, Warm(ctx, pool, 1))
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements").Scan(&n))
		require.Zero(t, n)
	})

	t.Run("HotStatementsArePreparedBehindAPoolerThatKeepsThem", func(t *testing.T) {
		t.Parallel()
		// Directly against PostgreSQL, what this process sends is what a PgBouncer with
		// max_prepared_statements receives (internal/testpgbouncer runs it through the real one).
		pool, err := New(ctx, Options{URL: testdb.New(t), MaxConns: 2, MinConns: 1, Prepare: []string{hot},
			NoSessionState: true, PoolerPrepares: true, PlanCacheMode: PlanCacheGeneric})
		require.NoError(t, err)
		defer pool.Close()
		require.NoError(t, Warm(ctx, pool, 1, hot))
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", hot).Scan(&n))
		require.Equal(t, 1, n)
		require.Zero(t, pool.Config().ConnConfig.StatementCacheCapacity, "nothing else is cached per connection")
		require.NotContains(t, pool.Config().ConnConfig.RuntimeParams, "plan_cache_mode", "a pooler refuses unknown startup parameters")
	})

	t.Run("AStatementThatCannotPrepareDoesNotFailTheConnection", func(t *testing.T) {
		t.Parallel()
		pool, err := New(ctx, Options{URL: testdb.New(t), MaxConns: 2, MinConns: 1, Prepare: []string{"SELECT * FROM no_such_table"}})
		require.NoError(t, err)
		defer pool.Close()
		require.NoError(t, Warm(ctx, pool, 1, "SELECT * FROM no_such_table"))
		require.NoError(t, pool.Ping(ctx))
	})
}

type requestKey struct{}

func TestPrepareStaysOffTheRequestPath(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const hot = "SELECT count(*) FROM goose_db_version WHERE version_id > $1"
	onRequest := func(ctx context.Context) bool { return ctx.Value(requestKey{}) != nil }
	pool, err := New(ctx, Options{URL: testdb.New(t), MaxConns: 2, MinConns: 1, Prepare: []string{hot}, OnRequestPath: onRequest})
	require.NoError(t, err)
	defer pool.Close()
	require.NoError(t, Warm(ctx, pool, 1, hot))

	first, err := pool.Acquire(ctx) // the warm connection, now busy
	require.NoError(t, err)
	defer first.Release()
	second, err := pool.Acquire(context.WithValue(ctx, requestKey{}, true)) // opened for a waiting request
	require.NoError(t, err)
	defer second.Release()

	count := func(c *pgxpool.Conn) int {
		var n int
		require.NoError(t, c.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", hot).Scan(&n))
		return n
	}
	require.Equal(t, 1, count(first), "connections opened outside requests are prepared")
	require.Zero(t, count(second), "a request does not wait for preparation")
	var got int
	require.NoError(t, second.QueryRow(ctx, hot, 0).Scan(&got), "the unprepared connection still runs the statement")
}
