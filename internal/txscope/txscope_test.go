package txscope_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/txscope"
)

// open begins a transaction with the work savepoint on a connection of pool, as package idempotency does.
func open(t *testing.T, db *dbpool.DB) (*txscope.Tx, func(commit bool)) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Acquire(ctx)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "BEGIN")
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "SAVEPOINT "+txscope.WorkSavepoint)
	require.NoError(t, err)
	return txscope.New(conn.Conn()), func(commit bool) {
		end := "ROLLBACK"
		if commit {
			end = "COMMIT"
		}
		_, err := conn.Exec(ctx, end)
		require.NoError(t, err)
		conn.Release()
	}
}

func TestStatementsRunInTheContextsTransaction(t *testing.T) {
	db := dbpool.NewDB(testdb.Pool(t), nil)
	ctx := context.Background()
	_, err := db.Exec(ctx, "CREATE TABLE txscope_t (n int PRIMARY KEY)")
	require.NoError(t, err)

	tx, end := open(t, db)
	in := txscope.With(ctx, tx)
	_, err = db.Exec(in, "INSERT INTO txscope_t VALUES (1)")
	require.NoError(t, err)
	var n int
	require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM txscope_t").Scan(&n))
	require.Equal(t, 0, n, "outside the context the insert is not visible before the commit")
	require.NoError(t, db.Reads().QueryRow(in, "SELECT count(*) FROM txscope_t").Scan(&n))
	require.Equal(t, 1, n, "inside it is, through Reads too")
	end(false)
	require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM txscope_t").Scan(&n))
	require.Equal(t, 0, n, "rolled back")
}

func TestAFailedFirstStatementLeavesTheTransactionUsable(t *testing.T) {
	db := dbpool.NewDB(testdb.Pool(t), nil)
	ctx := context.Background()
	_, err := db.Exec(ctx, "CREATE TABLE txscope_u (n int PRIMARY KEY)")
	require.NoError(t, err)
	_, err = db.Exec(ctx, "INSERT INTO txscope_u VALUES (1)")
	require.NoError(t, err)

	tx, end := open(t, db)
	in := txscope.With(ctx, tx)
	_, err = db.Exec(in, "INSERT INTO txscope_u VALUES (1)") // a collision, as a share code drawn twice
	require.Error(t, err)
	_, err = db.Exec(in, "INSERT INTO txscope_u VALUES (2)") // drawn again: rewinds to the work savepoint first
	require.NoError(t, err)
	require.False(t, tx.Aborted())

	// A failure after a success cannot be rewound without losing the success: the transaction is aborted.
	_, err = db.Exec(in, "INSERT INTO txscope_u VALUES (1)")
	require.Error(t, err)
	require.True(t, tx.Aborted())
	end(false)

	// A nested transaction (pgx.BeginFunc) is a savepoint: its failure undoes only itself.
	tx, end = open(t, db)
	in = txscope.With(ctx, tx)
	_, err = db.Exec(in, "INSERT INTO txscope_u VALUES (3)")
	require.NoError(t, err)
	err = pgx.BeginFunc(in, db, func(nested pgx.Tx) error {
		_, err := nested.Exec(in, "INSERT INTO txscope_u VALUES (1)")
		return err
	})
	require.Error(t, err)
	_, err = db.Exec(in, "INSERT INTO txscope_u VALUES (4)")
	require.NoError(t, err)
	end(true)
	var n int
	require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM txscope_u").Scan(&n))
	require.Equal(t, 3, n, "1, 3 and 4")
}

func TestAfterCommitWaitsForTheCommit(t *testing.T) {
	ctx := context.Background()
	ran := 0
	txscope.AfterCommit(ctx, func(context.Context) { ran++ })
	require.Equal(t, 1, ran, "without a transaction the write has committed: at once")

	tx := txscope.New(nil)
	in := txscope.With(ctx, tx)
	var hookCtx context.Context
	txscope.AfterCommit(in, func(c context.Context) { ran++; hookCtx = c })
	require.Equal(t, 1, ran, "not before the commit")
	tx.Committed(in)
	require.Equal(t, 2, ran)
	require.Nil(t, txscope.From(hookCtx), "the hook runs outside the transaction")
	tx.Committed(in)
	require.Equal(t, 2, ran, "once")

	// What a rolled-back write did outside the database is undone; its after-commit work never runs.
	txscope.OnRollback(ctx, func(context.Context) { ran++ })
	require.Equal(t, 2, ran, "without a transaction the write has committed: nothing to undo")
	tx = txscope.New(nil)
	in = txscope.With(ctx, tx)
	undone := false
	txscope.AfterCommit(in, func(context.Context) { ran++ })
	txscope.OnRollback(in, func(context.Context) { undone = true })
	tx.RolledBack(in)
	tx.Committed(in)
	require.True(t, undone)
	require.Equal(t, 2, ran)
}
