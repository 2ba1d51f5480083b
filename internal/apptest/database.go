package apptest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// DBExec runs one SQL statement on the instance's database, outside the API (to set up what the API
// cannot, or to look behind it).
func DBExec(t *testing.T, inst *Instance, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), inst.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), sql, args...)
	require.NoError(t, err)
}

// DBQueryRow runs one SQL query on the instance's database, outside the API, and scans its row into dest.
func DBQueryRow(t *testing.T, inst *Instance, sql string, args []any, dest ...any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), inst.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	require.NoError(t, conn.QueryRow(context.Background(), sql, args...).Scan(dest...))
}

// DBQuery runs one SQL query on the instance's database, outside the API, and calls row for each row with
// the scan function of that row.
func DBQuery(t *testing.T, inst *Instance, sql string, args []any, row func(scan func(dest ...any) error)) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), inst.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), sql, args...)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		row(rows.Scan)
	}
	require.NoError(t, rows.Err())
}
