package dberr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
)

// TestInterpret provokes each error for real in PostgreSQL and checks what Interpret makes of it. The tables
// are the test's own, so the test is about the mapping, not the schema (constraints_test.go checks that).
func TestInterpret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	_, err := pool.Exec(ctx, `
		CREATE TABLE parent (id int PRIMARY KEY, code text);
		CREATE UNIQUE INDEX parent_code_key ON parent (code);
		CREATE TABLE child (
			parent_id int CONSTRAINT child_parent_id_fkey REFERENCES parent,
			n int CONSTRAINT child_n_check CHECK (n > 0));
		INSERT INTO parent VALUES (1, 'a');`)
	require.NoError(t, err, "creating the test's tables")

	exec := func(sql string) error {
		_, err := pool.Exec(ctx, sql)
		require.Error(t, err, "%s must fail", sql)
		return err
	}
	var x int
	noRows := pool.QueryRow(ctx, "SELECT 1 WHERE false").Scan(&x)
	lost := fmt.Errorf("error loading board: %w", io.ErrUnexpectedEOF)

	tests := []struct {
		name           string
		err            error
		wantKind       Kind
		wantConstraint Constraint
	}{
		{"UniqueIndexNamesIndex", exec("INSERT INTO parent VALUES (2, 'a')"), Unique, "parent_code_key"},
		{"PrimaryKeyIsUnique", exec("INSERT INTO parent VALUES (1, 'b')"), Unique, "parent_pkey"},
		{"ForeignKeyNamesConstraint", exec("INSERT INTO child VALUES (9, 1)"), ForeignKey, "child_parent_id_fkey"},
		{"CheckNamesConstraint", exec("INSERT INTO child VALUES (1, 0)"), Check, "child_n_check"},
		{"WrappedViolationIsFound", fmt.Errorf("error creating: %w", exec("INSERT INTO child VALUES (9, 1)")),
			ForeignKey, "child_parent_id_fkey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Interpret(tt.err)
			var ce *ConstraintError
			require.ErrorAs(t, got, &ce, "Interpret(%v)", tt.err)
			require.Equal(t, tt.wantKind, ce.Kind, "kind of %v", tt.err)
			require.Equal(t, tt.wantConstraint, ce.Constraint, "constraint of %v", tt.err)
			require.Equal(t, tt.err.Error(), got.Error(), "the message stays PostgreSQL's")
			var pg *pgconn.PgError
			require.ErrorAs(t, got, &pg, "internal/apierror must still see the PostgreSQL error")
			require.Same(t, got, Interpret(got), "interpreting twice changes nothing")
		})
	}

	t.Run("NoRowsIsNotFound", func(t *testing.T) {
		t.Parallel()
		require.ErrorIs(t, noRows, pgx.ErrNoRows)
		require.Equal(t, ErrNotFound, Interpret(noRows))
		require.Equal(t, ErrNotFound, Interpret(fmt.Errorf("wrapped: %w", noRows)))
		require.Equal(t, ErrNotFound, Interpret(Interpret(noRows)))
	})
	t.Run("OtherErrorsPassThroughUnchanged", func(t *testing.T) {
		t.Parallel()
		dataErr := exec("SELECT 'x'::int")
		for _, err := range []error{nil, dataErr, lost, context.Canceled, errors.New("anything")} {
			require.Equal(t, err, Interpret(err), "Interpret(%v)", err)
		}
	})
	t.Run("UnreachableServerPassesThrough", func(t *testing.T) {
		t.Parallel()
		_, err := pgx.Connect(ctx, "postgres://postgres@127.0.0.1:1/x?connect_timeout=2")
		var connect *pgconn.ConnectError
		require.ErrorAs(t, err, &connect, "connecting to a closed port")
		require.Equal(t, err, Interpret(err))
	})
	t.Run("HelpersMatchKindAndName", func(t *testing.T) {
		t.Parallel()
		fk := Interpret(exec("INSERT INTO child VALUES (9, 1)"))
		require.True(t, IsForeignKey(fk, "child_parent_id_fkey"))
		require.False(t, IsForeignKey(fk, "other_fkey"), "another constraint")
		require.False(t, IsUnique(fk, "child_parent_id_fkey"), "another kind")
		require.False(t, IsForeignKey(exec("INSERT INTO child VALUES (9, 1)"), "child_parent_id_fkey"),
			"an error not yet interpreted matches nothing")
	})
}
