package accounts_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

func TestAuthenticationCost(t *testing.T) {
	t.Parallel()

	t.Run("WithoutValkey", func(t *testing.T) {
		t.Parallel()
		a := apptest.Start(t, apptest.Options{NoSeed: true})
		b := apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: a.DatabaseURL})
		acct := a.Register(t)

		before := b.Stmts.Snapshot()
		sql, _ := apptest.MeCost(t, b, acct.Token)
		require.Equal(t, int64(1), sql, "cold: one statement joining token and user: %q", b.Stmts.Since(before))
		require.Contains(t, b.Stmts.Since(before)[0], "JOIN users")
		require.Zero(t, b.Stmts.Snapshot().Connects-before.Connects, "no connection opened on the request path")
		for range 5 {
			sql, _ := apptest.MeCost(t, b, acct.Token)
			require.Zero(t, sql, "warm: no SQL")
		}
	})

	t.Run("WithValkey", func(t *testing.T) {
		t.Parallel()
		url, prefix := apptest.SharedValkey(t)
		a := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
		b := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
		acct := a.Register(t)

		sql, _ := apptest.MeCost(t, b, acct.Token)
		// One statement, or none once the sign-in's background fills reached Valkey (TestUserSurvivesRestart).
		require.LessOrEqual(t, sql, int64(1), "cold on a fresh process: at most one statement")
		apptest.Warm(t, b, acct.Token)
		for range 10 {
			sql, vk := apptest.MeCost(t, b, acct.Token)
			require.Zero(t, sql, "warm: no SQL")
			require.Zero(t, vk, "warm: no Valkey round trip (client-side cache)")
		}
	})
}

// propagation polls other until check passes and returns how long that took after the revoking response.
func propagation(t *testing.T, other *apptest.Instance, check func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 2*time.Second {
		if check() {
			return time.Since(start)
		}
	}
	t.Fatal("never propagated to the other instance within 2s")
	return 0
}

func TestRevocationReachesEveryInstance(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	a := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
	b := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
	const budget = 100 * time.Millisecond

	login := func(t *testing.T, email string) string {
		t.Helper()
		var out client.AuthResponse
		a.Do(t, apptest.Post("/auth/login", map[string]any{"email": email, "password": apptest.TestPassword})).JSON(t, &out)
		return out.Token
	}
	rejected := func(t *testing.T, token string) func() bool {
		return func() bool { return apptest.Me(t, b, token).Status == http.StatusUnauthorized }
	}

	tests := []struct {
		name   string
		revoke func(t *testing.T, acct apptest.Account, other string)
		victim func(acct apptest.Account, other string) string
	}{
		{"Logout", func(t *testing.T, acct apptest.Account, _ string) {
			require.Equal(t, http.StatusNoContent, a.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/logout", Token: acct.Token}).Status)
		}, func(acct apptest.Account, _ string) string { return acct.Token }},
		{"PasswordChange", func(t *testing.T, acct apptest.Account, _ string) {
			require.Equal(t, http.StatusNoContent, a.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/change-password",
				Token: acct.Token, Body: map[string]any{"current_password": apptest.TestPassword, "new_password": "another password"}}).Status)
		}, func(_ apptest.Account, other string) string { return other }},
		{"AccountDeletion", func(t *testing.T, acct apptest.Account, _ string) {
			require.Equal(t, http.StatusNoContent, a.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/auth/me", Token: acct.Token}).Status)
		}, func(_ apptest.Account, other string) string { return other }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			acct := a.Register(t)
			other := login(t, acct.Email)
			victim := tt.victim(acct, other)
			apptest.Warm(t, b, victim)

			tt.revoke(t, acct, other)
			require.Equal(t, http.StatusUnauthorized, apptest.Me(t, a, victim).Status, "the revoking instance rejects at once")
			took := propagation(t, b, rejected(t, victim))
			t.Logf("%s reached the other instance in %v", tt.name, took)
			require.Less(t, took, budget)
		})
	}

	t.Run("ProfileChange", func(t *testing.T) {
		t.Parallel()
		acct := a.Register(t)
		apptest.Warm(t, b, acct.Token)
		require.Equal(t, http.StatusOK, a.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: acct.Token,
			Body: map[string]any{"first_name": "Renamed"}}).Status)
		took := propagation(t, b, func() bool {
			var u client.User
			apptest.Me(t, b, acct.Token).JSON(t, &u)
			return u.FirstName == "Renamed"
		})
		t.Logf("profile change reached the other instance in %v", took)
		require.Less(t, took, budget)
	})
}
