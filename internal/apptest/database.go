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
