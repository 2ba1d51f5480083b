package migrate

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
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
				sqlDB, err := sql.Open("pgx", dsn)
				if err != nil {
					errs[i] = err
					return
				}
				defer sqlDB.Close()
				res, err := UpIfPending(context.Background(), sqlDB)
				errs[i], applied[i] = err, len(res)
			})
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "instance %d", i)
		}
		entries, err := fs.Glob(db.Migrations(), "*.sql")
		require.NoError(t, err)
		total := 0
		for _, n := range applied {
			total += n
		}
		require.Equal(t, len(entries), total, "each migration applied exactly once across instances: %v", applied)
	})

	t.Run("NothingPendingAppliesNothing", func(t *testing.T) {
		t.Parallel()
		sqlDB, err := sql.Open("pgx", emptyDatabase(t))
		require.NoError(t, err)
		defer sqlDB.Close()
		res, err := UpIfPending(context.Background(), sqlDB)
		require.NoError(t, err)
		require.NotEmpty(t, res)
		res, err = UpIfPending(context.Background(), sqlDB)
		require.NoError(t, err)
		require.Empty(t, res)
	})
}
