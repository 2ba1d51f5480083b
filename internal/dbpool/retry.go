package dbpool

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/txscope"
)

// sweepTimeout bounds the pings of one sweep; a live server answers in well under a millisecond.
const sweepTimeout = time.Second

// DB is the pool as the request handlers use it: it runs every statement like *pgxpool.Pool (which it embeds,
// so everything else the pool offers is still there) and satisfies sqlc's DBTX and pgx.BeginFunc, but a
// statement whose connection turns out to be dead (ConnectionLost: PostgreSQL terminated the backend in a
// failover, a restart, a pooler restart or by pg_terminate_backend) runs once more on a live connection when
// repeating it cannot apply anything twice. Nothing changes on the path where the connection works: no
// ping before use, no extra round trip, one small allocation per Query or QueryRow.
//
// Which statements are repeated:
//   - reads: those run through Reads (the token lookup, which runs before writes too), and every statement
//     of a request whose HTTP method is safe (GET, HEAD), as isRead tells from the request's context. RFC 9110
//     promises that a safe request changes nothing, and clients, proxies and caches already repeat them, so
//     a GET handler that wrote would be wrong before it reached this type. The method, not the SQL text,
//     decides, because a SELECT can call a function that writes and sqlc statements can write in a CTE.
//   - BEGIN: a transaction that failed to start did nothing.
//   - any statement pgx knows never reached the server (pgconn.SafeToRetry). This alone would not do: after
//     pg_terminate_backend pgx learns of the termination only by reading the reply to the statement it has
//     just sent, so SafeToRetry is false on exactly the failure that matters.
//
// A request whose context carries a transaction (txscope.With: a request with an Idempotency-Key) runs every
// statement in it instead, BEGIN included (as a savepoint), and nothing is repeated.
//
// A write that lost its connection after being sent is never repeated: whether it committed is unknown, so
// the request answers 503 and the client decides. Statements inside a transaction and batches are not
// repeated either.
//
// The repeat runs on a connection that is really alive. When one backend was terminated, usually all were,
// and the pool would hand out the next dead idle connection; so on any lost connection (a write's too, so the
// next request finds a live one) the pool's idle connections are pinged all at once, which closes the dead
// ones (the pool drops a closed connection when it is released) and keeps the live ones. pgxpool's Reset
// saves that one parallel ping but drops every healthy connection too, and when many requests fail at once
// each Reset drops the fresh connections the others have just opened. Measured on a pool of 8, three bursts
// of 8 concurrent reads: with every backend terminated both open 8 connections in about the same time (the
// first read after the termination takes ~4 ms, mostly the new connection); with one backend terminated the
// sweep opens 1 connection and Reset 8.
type DB struct {
	*pgxpool.Pool
	reads   *DB
	allRead bool
	isRead  func(context.Context) bool
	sweeper *sweeper
}

// NewDB returns pool as a DB. isRead reports whether a context belongs to a request that only reads (nil:
// none does, and only Reads repeats statements).
func NewDB(pool *pgxpool.Pool, isRead func(context.Context) bool) *DB {
	s := &sweeper{}
	db := &DB{Pool: pool, isRead: isRead, sweeper: s}
	db.reads = &DB{Pool: pool, allRead: true, sweeper: s}
	db.reads.reads = db.reads
	return db
}

// Reads returns the same pool for statements that only read, whatever the request: each is repeated once
// on a live connection when its connection was lost.
func (db *DB) Reads() *DB { return db.reads }

// read reports whether statements run with ctx are reads.
func (db *DB) read(ctx context.Context) bool {
	return db.allRead || (db.isRead != nil && db.isRead(ctx))
}

// again reports whether a statement that failed with err runs once more. When err is a lost connection it
// first sweeps the dead connections out of the pool, also for a statement that is not repeated, so that the
// next request, a write too, finds a live one.
func (db *DB) again(ctx context.Context, err error, read bool) bool {
	if !ConnectionLost(err) {
		return false
	}
	db.sweep(ctx)
	return ctx.Err() == nil && (read || pgconn.SafeToRetry(err))
}

// Exec runs sql like pgxpool.Pool.Exec, once more when its connection was lost and repeating is safe.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if tx := txscope.From(ctx); tx != nil {
		return tx.Exec(ctx, sql, args...)
	}
	tag, err := db.Pool.Exec(ctx, sql, args...)
	if err != nil && db.again(ctx, err, db.read(ctx)) {
		return db.Pool.Exec(ctx, sql, args...)
	}
	return tag, err
}

// Query runs sql like pgxpool.Pool.Query. A statement whose connection turns out to be lost when its first
// row is read runs once more, transparently to the caller, when repeating it is safe.
func (db *DB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if tx := txscope.From(ctx); tx != nil {
		return tx.Query(ctx, sql, args...)
	}
	read := db.read(ctx)
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		if db.again(ctx, err, read) {
			return db.Pool.Query(ctx, sql, args...)
		}
		return rows, err
	}
	return &retryRows{Rows: rows, db: db, ctx: ctx, sql: sql, args: args, read: read}, nil
}

// QueryRow runs sql like pgxpool.Pool.QueryRow; Scan runs it once more when its connection was lost and
// repeating it is safe.
func (db *DB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if tx := txscope.From(ctx); tx != nil {
		return tx.QueryRow(ctx, sql, args...)
	}
	return &retryRow{row: db.Pool.QueryRow(ctx, sql, args...), db: db, ctx: ctx, sql: sql, args: args, read: db.read(ctx)}
}

// Begin starts a transaction like pgxpool.Pool.Begin, on a live connection.
func (db *DB) Begin(ctx context.Context) (pgx.Tx, error) {
	return db.BeginTx(ctx, pgx.TxOptions{})
}

// BeginTx starts a transaction like pgxpool.Pool.BeginTx. A BEGIN whose connection was lost did nothing, so
// it is repeated on a live connection whatever the request.
func (db *DB) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	if tx := txscope.From(ctx); tx != nil {
		return tx.Begin(ctx) // a savepoint in the request's transaction; opts are the outer transaction's
	}
	tx, err := db.Pool.BeginTx(ctx, opts)
	if err != nil && db.again(ctx, err, true) {
		return db.Pool.BeginTx(ctx, opts)
	}
	return tx, err
}

// SendBatch sends b like pgxpool.Pool.SendBatch (a batch is never repeated), in ctx's transaction when it
// has one.
func (db *DB) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if tx := txscope.From(ctx); tx != nil {
		return tx.SendBatch(ctx, b)
	}
	return db.Pool.SendBatch(ctx, b)
}

// retryRow repeats its statement once when Scan finds its connection lost (no row was read, so dest is
// untouched) and repeating is safe.
type retryRow struct {
	row  pgx.Row
	db   *DB
	ctx  context.Context
	sql  string
	args []any
	read bool
}

func (r *retryRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if err != nil && r.db.again(r.ctx, err, r.read) {
		return r.db.Pool.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
	}
	return err
}

// retryRows repeats its statement once when its connection is found lost before the first row and repeating
// is safe; once a row has been read the result stands as it is.
type retryRows struct {
	pgx.Rows
	db   *DB // nil once a row was read or the statement was repeated
	ctx  context.Context
	sql  string
	args []any
	read bool
}

func (r *retryRows) Next() bool {
	if r.Rows.Next() {
		r.db = nil
		return true
	}
	db := r.db
	r.db = nil
	if db == nil || !db.again(r.ctx, r.Rows.Err(), r.read) {
		return false
	}
	r.Rows, _ = db.Pool.Query(r.ctx, r.sql, r.args...) // on failure the rows carry the error
	return r.Rows.Next()
}

// Close closes the rows; when they were closed unread on a lost connection, it still sweeps the dead ones.
func (r *retryRows) Close() {
	r.Rows.Close()
	if db := r.db; db != nil {
		r.db = nil
		if ConnectionLost(r.Rows.Err()) {
			db.sweep(r.ctx)
		}
	}
}

// sweeper lets concurrent callers share one sweep.
type sweeper struct {
	mu   sync.Mutex
	done chan struct{} // non-nil while a sweep runs
}

// sweep pings every idle connection of the pool at once, so that the dead ones are closed and dropped before
// a repeat acquires a connection; a caller arriving during a sweep waits for it instead of starting another.
// It runs only after a connection was lost.
func (db *DB) sweep(ctx context.Context) {
	s := db.sweeper
	s.mu.Lock()
	if done := s.done; done != nil {
		s.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
		}
		return
	}
	done := make(chan struct{})
	s.done = done
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.done = nil
		s.mu.Unlock()
		close(done)
	}()

	// Not the request's own deadline: a ping cut short by it would close a live connection.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sweepTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range db.Pool.AcquireAllIdle(pctx) {
		wg.Go(func() {
			defer c.Release()
			_ = c.Ping(pctx) // a dead connection fails and is closed; Release then drops it
		})
	}
	wg.Wait()
}
