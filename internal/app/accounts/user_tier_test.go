package accounts_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/app/operator"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/testvalkey"
	"github.com/homekeep/homekeep/internal/testwait"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// TestUserSurvivesRestart: the user lives in Valkey as well as in process, so a process started after the
// user signed in elsewhere (a restart, a new replica) authenticates a token Valkey knows with no SQL.
func TestUserSurvivesRestart(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	a := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
	acct := a.Register(t)
	apptest.Warm(t, a, acct.Token) // the background fills of the sign-in have landed

	b := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
	before := b.Stmts.Snapshot()
	sql, _ := apptest.MeCost(t, b, acct.Token)
	require.Zero(t, sql, "first request on a new process: token and user come from Valkey: %q", b.Stmts.Since(before))
	apptest.Warm(t, b, acct.Token)
}

// TestUserChangeReachesValkey: a profile change or a deactivation on one process reaches another that had
// the user cached, and a process that reads the user from Valkey (its in-process entry gone) never gets the
// old one.
func TestUserChangeReachesValkey(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	a := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
	b := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
	const bound = 2 * time.Second

	firstName := func(inst *apptest.Instance, token string) string {
		var u client.User
		apptest.Me(t, inst, token).JSON(t, &u)
		return u.FirstName
	}

	t.Run("ProfileChange", func(t *testing.T) {
		t.Parallel()
		acct := a.Register(t)
		apptest.Warm(t, a, acct.Token)
		apptest.Warm(t, b, acct.Token)
		require.Equal(t, http.StatusOK, a.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: acct.Token,
			Body: map[string]any{"first_name": "Renamed"}}).Status)
		testwait.Until(t, bound, func() bool { return firstName(b, acct.Token) == "Renamed" },
			"the process that had the user cached never saw the change")

		// A process with no in-process entry reads Valkey (or PostgreSQL), never the old user, and once
		// filled, serves the new one from Valkey.
		c := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
		require.Equal(t, "Renamed", firstName(c, acct.Token))
		apptest.Warm(t, c, acct.Token)
		d := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
		testwait.Until(t, bound, func() bool {
			sql, _ := apptest.MeCost(t, d, acct.Token)
			return sql == 0
		}, "the changed user never reached Valkey")
		require.Equal(t, "Renamed", firstName(d, acct.Token))
	})

	t.Run("Deactivation", func(t *testing.T) {
		t.Parallel()
		acct := a.Register(t)
		apptest.Warm(t, a, acct.Token)
		apptest.Warm(t, b, acct.Token)
		deactivateShared(t, a.DatabaseURL, url, prefix, acct.Email)
		testwait.Until(t, bound, func() bool { return apptest.Me(t, b, acct.Token).Status == http.StatusUnauthorized },
			"the process that had the user cached still accepts the token")
		c := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
		require.Equal(t, http.StatusUnauthorized, apptest.Me(t, c, acct.Token).Status, "a new process refuses the token")
	})
}

// deactivateShared runs the operator's deactivation from a process connected to the instances' Valkey.
func deactivateShared(t *testing.T, databaseURL, valkeyURL, prefix, email string) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, databaseURL)
	require.NoError(t, err)
	defer pool.Close()
	log := slog.New(slog.DiscardHandler)
	conn, err := valkeyconn.Connect(ctx, valkeyURL, log, valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
	require.NoError(t, err)
	defer conn.Close()
	auth, err := authcache.New(authcache.Options{Shared: conn, KeyPrefix: prefix, TokenTTL: time.Hour,
		UserTTL: time.Minute, UserCacheSize: 1, Logger: log})
	require.NoError(t, err)
	defer auth.Close()
	found, err := operator.SetUserActive(ctx, pool, auth, email, false)
	require.NoError(t, err)
	require.True(t, found)
}
