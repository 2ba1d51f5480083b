package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestUsersDeactivateDuringValkeyOutage: an operator can deactivate an account while Valkey is unreachable
// (when a compromised account most needs it). The revocation of its tokens is recorded in PostgreSQL with the
// deactivation, and running servers write it to Valkey when they reach it.
func TestUsersDeactivateDuringValkeyOutage(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	acct := inst.Register(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := "redis://127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close()) // nothing listens there now

	env := envOf(map[string]string{"DATABASE_URL": inst.DatabaseURL, "VALKEY_URL": down})
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"users", "deactivate", acct.Email}, env, &out, &errOut), errOut.String())
	require.Contains(t, errOut.String(), "valkey is unreachable", "the operator is told that servers apply it later")

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, inst.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var recorded int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM token_tombstones").Scan(&recorded))
	require.Equal(t, 1, recorded, "the revocation of the account's token is recorded for Valkey")
	require.Equal(t, http.StatusUnauthorized, inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login",
		Body: map[string]any{"email": acct.Email, "password": apptest.TestPassword}}).Status, "the account is deactivated")
}
