// Package txscope lets a request's statements run in one transaction without its handlers knowing: a
// middleware (package idempotency) opens the transaction, puts it in the request's context with With, and
// dbpool.DB then sends every statement run with that context to it instead of the pool. What a handler does
// once its write has committed (a board version bump, a cache invalidation) it hands to AfterCommit, which
// runs it at once when there is no such transaction and after the COMMIT when there is: never before, so no
// reader can cache data under a version bumped before the data it describes was visible.
//
// Without a transaction in the context nothing changes: no statement, no round trip, no allocation.
package txscope

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// WorkSavepoint is the savepoint the opener sets right after BEGIN, before the work's first statement: the
// work's first statement failing rewinds to it, so that a handler written for autocommit (which runs
// another statement after a failed one, as a share code drawn again after a collision) finds the transaction
// usable, as it would find the pool.
const WorkSavepoint = "work"

// Tx is an open transaction on one connection that the statements of a request run in. It is used by one
// request at a time, as a connection is.
type Tx struct {
	conn  *pgx.Conn
	hooks []func(context.Context)
	undo  []func(context.Context)
	// ran counts the statements that succeeded; rewind says the next statement must first roll back to
	// WorkSavepoint (the first statement failed); aborted says a later one failed, so the transaction can
	// only be rolled back.
	ran     int
	rewind  bool
	aborted bool
	depth   int
}

// New returns the transaction conn holds open; its opener has set WorkSavepoint, and commits or rolls it
// back itself.
func New(conn *pgx.Conn) *Tx { return &Tx{conn: conn} }

type txKey struct{}

// With returns ctx whose statements run in tx.
func With(ctx context.Context, tx *Tx) context.Context { return context.WithValue(ctx, txKey{}, tx) }

// From returns the transaction ctx's statements run in, nil for none.
func From(ctx context.Context) *Tx {
	tx, _ := ctx.Value(txKey{}).(*Tx)
	return tx
}

// Detached returns ctx without its transaction: what runs after the commit uses the pool again.
func Detached(ctx context.Context) context.Context {
	if From(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, txKey{}, (*Tx)(nil))
}

// AfterCommit runs fn once the write ctx belongs to has committed: at once without a transaction (the write
// ran in autocommit and has committed), after the COMMIT of ctx's transaction otherwise, and never if that
// transaction rolls back (nothing was written). fn gets a context without the transaction.
func AfterCommit(ctx context.Context, fn func(context.Context)) {
	tx := From(ctx)
	if tx == nil {
		fn(ctx)
		return
	}
	tx.hooks = append(tx.hooks, fn)
}

// OnRollback runs fn if the transaction ctx's write runs in rolls back, to undo what the write did outside
// the database (a stored file); without a transaction the write has committed and fn never runs. fn gets a
// context without the transaction.
func OnRollback(ctx context.Context, fn func(context.Context)) {
	if tx := From(ctx); tx != nil {
		tx.undo = append(tx.undo, fn)
	}
}

// RolledBack runs the work OnRollback collected, in order, and forgets the AfterCommit work; the opener calls
// it once the transaction has rolled back (or failed to commit).
func (t *Tx) RolledBack(ctx context.Context) {
	ctx = Detached(ctx)
	undo := t.undo
	t.undo, t.hooks = nil, nil
	for _, fn := range undo {
		fn(ctx)
	}
}

// Committed runs the hooks AfterCommit collected, in order, with ctx detached from the transaction; the
// opener calls it once the COMMIT has succeeded.
func (t *Tx) Committed(ctx context.Context) {
	ctx = Detached(ctx)
	hooks := t.hooks
	t.hooks, t.undo = nil, nil
	for _, fn := range hooks {
		fn(ctx)
	}
}

// Aborted reports whether a statement failed after others had succeeded: the transaction can only be rolled
// back.
func (t *Tx) Aborted() bool { return t.aborted }

// before readies the transaction for a statement: after a failed first statement, it rolls back to
// WorkSavepoint (a round trip only on that path).
func (t *Tx) before(ctx context.Context) error {
	if !t.rewind {
		return nil
	}
	t.rewind = false
	if _, err := t.conn.Exec(ctx, "ROLLBACK TO SAVEPOINT "+WorkSavepoint); err != nil {
		t.aborted = true
		return fmt.Errorf("error rewinding the request's transaction: %w", err)
	}
	return nil
}

// after notes a statement's outcome.
func (t *Tx) after(err error) {
	var pgErr *pgconn.PgError
	switch {
	case err == nil, errors.Is(err, pgx.ErrNoRows):
		t.ran++
	case errors.As(err, &pgErr) && t.ran == 0:
		t.rewind = true
	default:
		t.aborted = true
	}
}

// Exec runs sql in the transaction.
func (t *Tx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := t.before(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := t.conn.Exec(ctx, sql, args...)
	t.after(err)
	return tag, err
}

// Query runs sql in the transaction; its outcome is noted when the rows are closed.
func (t *Tx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := t.before(ctx); err != nil {
		return nil, err
	}
	rows, err := t.conn.Query(ctx, sql, args...)
	if err != nil {
		t.after(err)
		return rows, err
	}
	return &txRows{Rows: rows, t: t}, nil
}

// QueryRow runs sql in the transaction; its outcome is noted by Scan.
func (t *Tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := t.before(ctx); err != nil {
		return errRow{err}
	}
	return &txRow{row: t.conn.QueryRow(ctx, sql, args...), t: t}
}

// SendBatch sends b in the transaction. A failed batch leaves the transaction aborted.
func (t *Tx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := t.before(ctx); err != nil {
		return errBatch{err: err}
	}
	t.ran++ // a batch is never rewound: a failure in it aborts the transaction
	return &txBatch{BatchResults: t.conn.SendBatch(ctx, b), t: t}
}

// Begin starts a nested transaction (a savepoint), for code that runs its own transaction (pgx.BeginFunc).
func (t *Tx) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := t.before(ctx); err != nil {
		return nil, err
	}
	t.depth++
	n := &nested{t: t, name: fmt.Sprintf("nested_%d", t.depth)}
	if _, err := t.conn.Exec(ctx, "SAVEPOINT "+n.name); err != nil {
		t.aborted = true
		return nil, fmt.Errorf("error starting a nested transaction: %w", err)
	}
	t.ran++
	return n, nil
}

type txRow struct {
	row pgx.Row
	t   *Tx
}

func (r *txRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	r.t.after(err)
	return err
}

type txRows struct {
	pgx.Rows
	t    *Tx
	done bool
}

func (r *txRows) Close() {
	r.Rows.Close()
	if !r.done {
		r.done = true
		r.t.after(r.Rows.Err())
	}
}

func (r *txRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

type txBatch struct {
	pgx.BatchResults
	t *Tx
}

func (b *txBatch) Close() error {
	err := b.BatchResults.Close()
	if err != nil {
		b.t.aborted = true
	}
	return err
}

// nested is a savepoint as a pgx.Tx.
type nested struct {
	t    *Tx
	name string
	done bool
}

func (n *nested) Begin(ctx context.Context) (pgx.Tx, error) { return n.t.Begin(ctx) }

func (n *nested) Commit(ctx context.Context) error {
	if n.done {
		return pgx.ErrTxClosed
	}
	n.done = true
	if _, err := n.t.conn.Exec(ctx, "RELEASE SAVEPOINT "+n.name); err != nil {
		n.t.aborted = true
		return fmt.Errorf("error committing a nested transaction: %w", err)
	}
	return nil
}

func (n *nested) Rollback(ctx context.Context) error {
	if n.done {
		return pgx.ErrTxClosed
	}
	n.done = true
	if _, err := n.t.conn.Exec(ctx, "ROLLBACK TO SAVEPOINT "+n.name); err != nil {
		n.t.aborted = true
		return fmt.Errorf("error rolling back a nested transaction: %w", err)
	}
	// The savepoint undid what failed inside it, so the transaction is usable again.
	n.t.aborted = false
	return nil
}

func (n *nested) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	return n.t.conn.CopyFrom(ctx, table, columns, src)
}

func (n *nested) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return n.t.conn.SendBatch(ctx, b)
}

// LargeObjects is not offered in a request's transaction (no handler stores large objects).
func (n *nested) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (n *nested) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return n.t.conn.Prepare(ctx, name, sql)
}

func (n *nested) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return n.t.conn.Exec(ctx, sql, args...)
}

func (n *nested) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return n.t.conn.Query(ctx, sql, args...)
}

func (n *nested) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return n.t.conn.QueryRow(ctx, sql, args...)
}

func (n *nested) Conn() *pgx.Conn { return n.t.conn }

type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

type errBatch struct {
	pgx.BatchResults // nil: only the methods below are called
	err              error
}

func (e errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, e.err }
func (e errBatch) Query() (pgx.Rows, error)         { return nil, e.err }
func (e errBatch) QueryRow() pgx.Row                { return errRow{e.err} }
func (e errBatch) Close() error                     { return e.err }
