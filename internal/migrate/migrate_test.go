package migrate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/db"
)

// emptyDatabase creates a database with no schema at all (testdb's clones are already migrated).
func emptyDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "homekeep_test_migrate_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, admin)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0")
	require.NoError(t, err)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			_ = c.Close(context.Background())
		}
	})
	u, err := url.Parse(admin)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

func TestUpIfPending(t *testing.T) {
	t.Parallel()

	t.Run("ConcurrentInstancesNeverRace", func(t *testing.T) {
		t.Parallel()
		dsn := emptyDatabase(t)
		const instances = 4
		errs := make([]error, instances)
		applied := make([]int, instances)
		var wg sync.WaitGroup
		for i := range instances {
			wg.Go(func() {
				pool, err := pgxpool.New(context.Background(), dsn)
				if err != nil {
					errs[i] = err
					return
				}
				defer pool.Close()
				res, err := UpIfPending(context.Background(), pool)
				errs[i], applied[i] = err, res.Applied()
			})
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "instance %d", i)
		}
		entries, err := fs.Glob(db.Migrations(), "*.sql")
		require.NoError(t, err)
		river, err := RiverMigrations()
		require.NoError(t, err)
		total := 0
		for _, n := range applied {
			total += n
		}
		require.Equal(t, len(river)+len(entries), total,
			"each migration, river's and Homekeep's, applied exactly once across instances: %v", applied)
	})

	t.Run("AppliesRiversTablesThenNothingTheSecondTime", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		pool, err := pgxpool.New(ctx, emptyDatabase(t))
		require.NoError(t, err)
		defer pool.Close()
		res, err := UpIfPending(ctx, pool)
		require.NoError(t, err)
		river, err := RiverMigrations()
		require.NoError(t, err)
		require.Len(t, res.River, len(river), "every river migration is applied")
		require.NotEmpty(t, res.Homekeep, "and Homekeep's")
		for _, table := range []string{"river_job", "river_leader", "river_queue", "river_migration", "goose_db_version", "users"} {
			var exists bool
			require.NoError(t, pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists))
			require.True(t, exists, "table %s exists after the first run", table)
		}

		res, err = UpIfPending(ctx, pool)
		require.NoError(t, err)
		require.Zero(t, res.Applied(), "a second run applies nothing: %+v", res)
	})

	t.Run("RiverPendingAloneIsApplied", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		pool, err := pgxpool.New(ctx, emptyDatabase(t))
		require.NoError(t, err)
		defer pool.Close()
		_, err = UpIfPending(ctx, pool)
		require.NoError(t, err)
		// A database migrated by a build before river: Homekeep's migrations are all applied, river's are not.
		rm, err := newRiverMigrator(pool)
		require.NoError(t, err)
		_, err = rm.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1})
		require.NoError(t, err)
		res, err := UpIfPending(ctx, pool)
		require.NoError(t, err)
		require.NotEmpty(t, res.River, "river's migrations are applied although Homekeep's were not pending")
		require.Empty(t, res.Homekeep)
	})
}

func TestDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, emptyDatabase(t))
	require.NoError(t, err)
	defer pool.Close()
	_, err = UpIfPending(ctx, pool)
	require.NoError(t, err)
	river, err := RiverMigrations()
	require.NoError(t, err)

	entries, err := fs.Glob(db.Migrations(), "*.sql")
	require.NoError(t, err)
	for i := len(entries) - 1; i >= 0; i-- {
		res, err := Down(ctx, pool)
		require.NoError(t, err, "rolling back %s", entries[i])
		require.Equal(t, entries[i], res.Path)
		require.Equal(t, river[len(river)-1].Version, res.RiverVersion, "river's tables stay at their version")
	}
	_, err = Down(ctx, pool)
	require.ErrorIs(t, err, ErrNothingToRollBack, "nothing of Homekeep's is left to roll back")

	states, err := Status(ctx, pool)
	require.NoError(t, err)
	for _, s := range states {
		require.Equal(t, strings.HasPrefix(s.Name, "river "), s.Applied, "%s: only river's migrations stay applied", s.Name)
	}
}
