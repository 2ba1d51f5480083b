package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testpgbouncer"
)

// emptyDatabase creates a database with no migrations applied on the test server, dropped when the test
// ends, and returns its direct URL.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	admin := testdb.New(t) // any database of the test server: only the server and role are used
	conn, err := pgx.Connect(ctx, admin)
	require.NoError(t, err)
	defer conn.Close(ctx)
	name := fmt.Sprintf("homekeep_test_pooler_%d", time.Now().UnixNano())
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		if c, err := pgx.Connect(context.Background(), admin); err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			_ = c.Close(context.Background())
		}
	})
	u, err := url.Parse(admin)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// migrateThrough runs `homekeep migrate up` (Operator.Migrate) with DATABASE_URL through pb.
func migrateThrough(t *testing.T, pb *testpgbouncer.PgBouncer, direct, pooler, directURL string) error {
	t.Helper()
	cfg := defaultConfig(t, pb.URL(t, direct))
	cfg.DBPooler, cfg.DatabaseDirectURL = pooler, directURL
	op, err := service.OpenOperator(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer op.Close()
	return op.Migrate(context.Background())
}

// pendingDirect counts the migrations not applied, and all of them, read over the direct URL.
func pendingDirect(t *testing.T, direct string) (pending, total int) {
	t.Helper()
	op := openOperator(t, direct, "", "")
	states, err := op.MigrateStatus(context.Background())
	require.NoError(t, err)
	for _, s := range states {
		if !s.Applied {
			pending++
		}
	}
	return pending, len(states)
}

func TestMigrationsBehindATransactionPooler(t *testing.T) {
	t.Parallel()
	pb := testpgbouncer.Start(t, testpgbouncer.Options{PoolSize: 4})

	t.Run("PendingWithoutADirectURLFailsSayingWhatToDo", func(t *testing.T) {
		t.Parallel()
		direct := emptyDatabase(t)
		err := migrateThrough(t, pb, direct, config.PoolerPgBouncerTransaction, "")
		require.ErrorIs(t, err, service.ErrMigrateBehindPooler)
		require.ErrorContains(t, err, "set DATABASE_DIRECT_URL to PostgreSQL itself, or run `DATABASE_URL=<PostgreSQL itself> homekeep migrate up` once")
		pending, total := pendingDirect(t, direct)
		require.Positive(t, total)
		require.Equal(t, total, pending, "nothing was applied")
	})

	t.Run("PendingIsDetectedEvenWithDBPoolerNone", func(t *testing.T) {
		t.Parallel()
		direct := emptyDatabase(t)
		err := migrateThrough(t, pb, direct, config.PoolerNone, "")
		require.ErrorIs(t, err, service.ErrMigrateBehindPooler, "the pooler is recognised by its backend key")
	})

	t.Run("PendingWithADirectURLMigratesOverIt", func(t *testing.T) {
		t.Parallel()
		direct := emptyDatabase(t)
		require.NoError(t, migrateThrough(t, pb, direct, config.PoolerPgBouncerTransaction, direct))
		pending, total := pendingDirect(t, direct)
		require.Positive(t, total)
		require.Zero(t, pending, "every migration is applied")
		var lookups int
		conn, err := pgx.Connect(context.Background(), direct)
		require.NoError(t, err)
		defer conn.Close(context.Background())
		require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM task_categories").Scan(&lookups))
		require.Positive(t, lookups, "and the new database is seeded through the pooler")
	})

	t.Run("DownBehindThePoolerUsesTheDirectURLOrRefuses", func(t *testing.T) {
		t.Parallel()
		direct := testdb.New(t)
		cfg := defaultConfig(t, pb.URL(t, direct))
		cfg.DBPooler = config.PoolerPgBouncerTransaction
		op, err := service.OpenOperator(context.Background(), cfg, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		defer op.Close()
		_, err = op.MigrateDown(context.Background())
		require.ErrorContains(t, err, "set DATABASE_DIRECT_URL to PostgreSQL itself, or run `DATABASE_URL=<PostgreSQL itself> homekeep migrate down`")
		pending, _ := pendingDirect(t, direct)
		require.Zero(t, pending, "nothing was rolled back")

		cfg.DatabaseDirectURL = direct
		withDirect, err := service.OpenOperator(context.Background(), cfg, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		defer withDirect.Close()
		res, err := withDirect.MigrateDown(context.Background())
		require.NoError(t, err)
		require.NotEmpty(t, res.Path)
		pending, _ = pendingDirect(t, direct)
		require.Equal(t, 1, pending, "the last migration was rolled back over the direct URL")
	})

	t.Run("NothingPendingNeedsNoDirectURL", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, migrateThrough(t, pb, testdb.New(t), config.PoolerPgBouncerTransaction, ""))
	})
}
