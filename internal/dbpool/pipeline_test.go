package dbpool

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
)

// writeCounter counts the client's writes to the server: pgconn writes everything it has queued in one write
// per flush, so with a reply awaited after each flush, writes count round trips.
type writeCounter struct {
	net.Conn
	writes *atomic.Int64
}

func (w writeCounter) Write(b []byte) (int, error) {
	w.writes.Add(1)
	return w.Conn.Write(b)
}

func TestPreparePipelined(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hot := []string{
		"SELECT count(*) FROM goose_db_version WHERE version_id > $1",
		"SELECT max(version_id) FROM goose_db_version WHERE is_applied = $1",
		"SELECT * FROM no_such_table",
		"SELECT version_id FROM goose_db_version WHERE id = $1",
	}
	cfg, err := pgx.ParseConfig(testdb.New(t))
	require.NoError(t, err)
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	var writes atomic.Int64
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		return writeCounter{Conn: c, writes: &writes}, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close(ctx)) }()

	before := writes.Load()
	ok, err := preparePipelined(ctx, conn, hot)
	require.NoError(t, err, "the registry of this pgx version was found; otherwise prepare falls back to one round trip per statement")
	require.False(t, ok, "one statement cannot be prepared")
	require.Equal(t, int64(1), writes.Load()-before, "all statements go to the server in one write, one round trip")

	var n int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements").Scan(&n))
	require.Equal(t, 3, n, "the failing statement does not keep the others from being prepared")
	for sql, arg := range map[string]any{hot[0]: 1, hot[1]: true, hot[3]: 1} {
		var got *int64
		err := conn.QueryRow(ctx, sql, arg).Scan(&got)
		if err != pgx.ErrNoRows {
			require.NoError(t, err)
		}
		var runs int
		require.NoError(t, conn.QueryRow(ctx,
			"SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement = $1", sql).Scan(&runs))
		require.Equal(t, 1, runs, "pgx ran %q as the prepared statement", sql)
	}

	before = writes.Load()
	ok, err = preparePipelined(ctx, conn, hot[:2])
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, before, writes.Load(), "statements already prepared cost nothing")
	sd, err := conn.Prepare(ctx, hot[0], hot[0])
	require.NoError(t, err, "pgx sees it as prepared under its SQL, as conn.Prepare(ctx, sql, sql) does")
	require.Equal(t, statementName(hot[0]), sd.Name)
	require.Equal(t, before, writes.Load())
	require.NoError(t, conn.Deallocate(ctx, hot[0]), "and can deallocate it")
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements").Scan(&n))
	require.Equal(t, 2, n)
}
