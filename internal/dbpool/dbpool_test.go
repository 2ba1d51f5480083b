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
		require.False(t, cfg.ShouldPing(ctx, pgxpool.ShouldPingParams{IdleDuration: 30 * time.Second}),
			"a connection idle for human-paced seconds is used without a ping")
		require.True(t, cfg.ShouldPing(ctx, pgxpool.ShouldPingParams{IdleDuration: PingAfterIdle}))
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
