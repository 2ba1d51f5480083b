package dbpool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
)

func TestConnectionLost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"BackendTerminated", fmt.Errorf("x: %w", &pgconn.PgError{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "57P01"}), true},
		{"CrashShutdown", &pgconn.PgError{Severity: "FATAL", Code: "57P02"}, true},
		{"IdleSessionTimeout", &pgconn.PgError{Severity: "FATAL", Code: "57P05"}, true},
		{"ConnectionException", &pgconn.PgError{Severity: "ERROR", Code: "08006"}, true},
		{"LocalizedFatal", &pgconn.PgError{Severity: "SCHWERWIEGEND", SeverityUnlocalized: "FATAL", Code: "57P01"}, true},
		{"ClosedConnection", fmt.Errorf("x: %w", pgconn.ErrConnClosed), true},
		{"EOF", fmt.Errorf("x: %w", io.EOF), true},
		{"UnexpectedEOF", io.ErrUnexpectedEOF, true},
		{"Reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"StatementError", &pgconn.PgError{Severity: "ERROR", Code: "23505"}, false},
		{"QueryCanceled", &pgconn.PgError{Severity: "ERROR", Code: "57014"}, false},
		{"Cancelled", fmt.Errorf("x: %w", context.Canceled), false},
		{"DeadlineExceeded", context.DeadlineExceeded, false},
		{"Timeout", &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{}}, false},
		{"NoRows", pgx.ErrNoRows, false},
		{"Nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, ConnectionLost(tt.err), "%v", tt.err)
		})
	}

	t.Run("NotAFailedConnect", func(t *testing.T) {
		t.Parallel()
		_, err := pgx.Connect(context.Background(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=2")
		require.Error(t, err)
		require.False(t, ConnectionLost(err), "a connection that could not be opened is not lost; retrying would fail alike: %v", err)
	})
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

type readKey struct{}

func TestDB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const conns = 3
	// setup returns a DB over a full, warm pool whose every backend has just been terminated.
	setup := func(t *testing.T) (*DB, *pgxpool.Pool) {
		t.Helper()
		url := testdb.New(t)
		pool, err := New(ctx, Options{URL: url, MaxConns: conns, MinConns: conns})
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		require.NoError(t, Warm(ctx, pool, conns))
		_, err = pool.Exec(ctx, "CREATE TABLE t (x int)")
		require.NoError(t, err)
		require.Equal(t, conns, terminate(t, url))
		return NewDB(pool, func(ctx context.Context) bool { return ctx.Value(readKey{}) != nil }), pool
	}
	count := func(t *testing.T, pool *pgxpool.Pool) int {
		t.Helper()
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n))
		return n
	}

	t.Run("ReadsAreRepeatedOnALiveConnection", func(t *testing.T) {
		t.Parallel()
		db, pool := setup(t)
		var one int
		require.NoError(t, db.Reads().QueryRow(ctx, "SELECT 1").Scan(&one))
		require.Equal(t, 1, one)
		rows, err := db.Reads().Query(ctx, "SELECT generate_series(1, 3)")
		require.NoError(t, err)
		got, err := pgx.CollectRows(rows, pgx.RowTo[int])
		require.NoError(t, err)
		require.Equal(t, []int{1, 2, 3}, got)
		// No dead connection is left for the next statement, even one that is never repeated.
		for range conns {
			_, err := pool.Exec(ctx, "SELECT 1")
			require.NoError(t, err)
		}
	})

	t.Run("EveryStatementOfAReadOnlyRequestIsARead", func(t *testing.T) {
		t.Parallel()
		db, _ := setup(t)
		rctx := context.WithValue(ctx, readKey{}, true)
		var n int
		require.NoError(t, db.QueryRow(rctx, "SELECT count(*) FROM t").Scan(&n))
		rows, err := db.Query(rctx, "SELECT x FROM t")
		require.NoError(t, err)
		rows.Close()
		require.NoError(t, rows.Err())
		_, err = db.Exec(rctx, "SELECT 1")
		require.NoError(t, err)
	})

	t.Run("WritesAreNeverRepeated", func(t *testing.T) {
		t.Parallel()
		for name, write := range map[string]func(db *DB) error{
			"Exec": func(db *DB) error { _, err := db.Exec(ctx, "INSERT INTO t VALUES (1)"); return err },
			"QueryRow": func(db *DB) error {
				var x int
				return db.QueryRow(ctx, "INSERT INTO t VALUES (1) RETURNING x").Scan(&x)
			},
			"Query": func(db *DB) error {
				rows, err := db.Query(ctx, "INSERT INTO t VALUES (1) RETURNING x")
				if err != nil {
					return err
				}
				rows.Close()
				return rows.Err()
			},
		} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				db, pool := setup(t)
				err := write(db)
				require.True(t, ConnectionLost(err), "the lost connection is reported, not hidden: %v", err)
				require.Zero(t, count(t, pool), "not applied, and not repeated")
				require.NoError(t, write(db), "the dead connections were swept: the next write finds a live one")
				require.Equal(t, 1, count(t, pool))
			})
		}
	})

	t.Run("BeginIsRepeated", func(t *testing.T) {
		t.Parallel()
		db, pool := setup(t)
		require.NoError(t, pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO t VALUES (1)")
			return err
		}))
		require.Equal(t, 1, count(t, pool))
	})

	t.Run("ErrorsOfTheStatementAreNotRetried", func(t *testing.T) {
		t.Parallel()
		url := testdb.New(t)
		tr := &countingTracer{}
		pool, err := New(ctx, Options{URL: url, MaxConns: 2, MinConns: 1, Tracer: tr})
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		db := NewDB(pool, nil)
		before := tr.n
		var x int
		err = db.Reads().QueryRow(ctx, "SELECT 1/0").Scan(&x)
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr)
		require.Equal(t, "22012", pgErr.Code)
		require.Equal(t, before+1, tr.n, "one statement, not repeated")
		require.True(t, errors.Is(db.Reads().QueryRow(ctx, "SELECT 1 WHERE false").Scan(&x), pgx.ErrNoRows))
	})
}

// TestDBRepeatMeasures logs what a repeated read costs after every backend of a full pool was terminated, and
// checks that the sweep replaces only dead connections.
func TestDBRepeatMeasures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const conns = 8
	url := testdb.New(t)
	pool, err := New(ctx, Options{URL: url, MaxConns: conns, MinConns: conns})
	require.NoError(t, err)
	defer pool.Close()
	require.NoError(t, Warm(ctx, pool, conns))
	db := NewDB(pool, nil)
	var one int

	start := time.Now()
	require.NoError(t, db.Reads().QueryRow(ctx, "SELECT 1").Scan(&one))
	t.Logf("a read on a live pool: %v", time.Since(start))

	require.Equal(t, conns, terminate(t, url))
	opened := pool.Stat().NewConnsCount()
	start = time.Now()
	require.NoError(t, db.Reads().QueryRow(ctx, "SELECT 1").Scan(&one))
	t.Logf("the first read after all %d backends were terminated (failure, sweep, new connection): %v", conns, time.Since(start))
	start = time.Now()
	for range conns {
		require.NoError(t, db.Reads().QueryRow(ctx, "SELECT 1").Scan(&one))
	}
	t.Logf("the next %d reads: %v", conns, time.Since(start))
	require.Equal(t, int64(1), pool.Stat().NewConnsCount()-opened, "sequential reads reuse the one new connection")

	// One backend of a full pool: the sweep keeps the live connections.
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	held := pool.AcquireAllIdle(ctx)
	for len(held) < conns { // the pool refills to MinConns in the background
		c, err := pool.Acquire(ctx)
		require.NoError(t, err)
		held = append(held, c)
	}
	victim := held[0].Conn().PgConn().PID()
	for _, c := range held {
		c.Release()
	}
	_, err = conn.Exec(ctx, "SELECT pg_terminate_backend($1, 5000)", victim)
	require.NoError(t, err)
	opened = pool.Stat().NewConnsCount()
	errs := make([]error, conns) // one read per connection, so one meets the dead one
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() { var x int; errs[i] = db.Reads().QueryRow(ctx, "SELECT 1, pg_sleep(0.01)").Scan(&x, nil) })
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.LessOrEqual(t, pool.Stat().NewConnsCount()-opened, int64(1), "only the dead connection is replaced")
}

// terminate ends every other backend of the database at url and waits until they are gone.
func terminate(t *testing.T, url string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 5000)
		FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) t`).Scan(&n))
	return n
}

// countingTracer counts statements.
type countingTracer struct{ n int }

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n++
	return ctx
}

func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
