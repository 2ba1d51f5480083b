package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

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

// TestUsersSetTier: an operator gives an account a tier, with or without an end; an unknown tier, a bad date
// and an unknown email are refused with one line each.
func TestUsersSetTier(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	acct := inst.Register(t)
	env := envOf(map[string]string{"DATABASE_URL": inst.DatabaseURL})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, inst.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	state := func() (tier, source string, until *time.Time) {
		require.NoError(t, conn.QueryRow(ctx, `SELECT user_tier(s.user_id), s.source, s.entitled_until
			FROM subscriptions s WHERE s.user_id = $1`, acct.ID).Scan(&tier, &source, &until))
		return tier, source, until
	}

	var out, errOut bytes.Buffer
	require.NoError(t, run(ctx, []string{"users", "set-tier", acct.Email, "pro", "--until", "2099-12-31"}, env, &out, &errOut), errOut.String())
	require.Equal(t, acct.Email+" is on pro until 2100-01-01T00:00:00Z\n", out.String())
	tier, source, until := state()
	require.Equal(t, "pro", tier)
	require.Equal(t, "admin", source)
	require.True(t, until.Equal(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)), "through the end of the day: %v", until)

	require.NoError(t, run(ctx, []string{"users", "set-tier", acct.Email, "pro", "--until", "2001-01-01"}, env, &out, &errOut))
	tier, _, _ = state()
	require.Equal(t, "free", tier, "a grant that ended counts as free")

	out.Reset()
	require.NoError(t, run(ctx, []string{"users", "set-tier", acct.Email, "pro"}, env, &out, &errOut))
	tier, _, until = state()
	require.Equal(t, "pro", tier)
	require.Nil(t, until, "no end")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"users", "set-tier", acct.Email, "platinum"}, `unknown tier "platinum": want free or pro`},
		{[]string{"users", "set-tier", acct.Email, "pro", "--until", "soon"}, `--until: want a date such as 2027-12-31, got "soon"`},
		{[]string{"users", "set-tier", "nobody@example.com", "pro"}, "nobody@example.com"},
	} {
		err := run(ctx, tc.args, env, &out, &errOut)
		require.Error(t, err)
		require.Contains(t, err.Error(), tc.want)
	}
}
