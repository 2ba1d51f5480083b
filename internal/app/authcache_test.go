package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/testwait"
)

func me(t *testing.T, inst *apptest.Instance, token string) apptest.Response {
	t.Helper()
	return inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: token})
}

// cost runs one GET /auth/me and returns the SQL statements and Valkey round trips it took.
func cost(t *testing.T, inst *apptest.Instance, token string) (sql, valkey int64) {
	t.Helper()
	before, vkBefore := inst.Stmts.Snapshot(), int64(0)
	if inst.Valkey != nil {
		vkBefore = inst.Valkey.RoundTrips()
	}
	r := me(t, inst, token)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	if inst.Valkey != nil {
		valkey = inst.Valkey.RoundTrips() - vkBefore
	}
	return inst.Stmts.RoundTrips(before), valkey
}

// warm repeats requests until one costs nothing (the background cache fill has landed).
func warm(t *testing.T, inst *apptest.Instance, token string) {
	t.Helper()
	testwait.Until(t, 5*time.Second, func() bool {
		sql, vk := cost(t, inst, token)
		return sql == 0 && vk == 0
	}, "the token never became warm")
}

func TestAuthenticationCost(t *testing.T) {
	t.Parallel()

	t.Run("WithoutValkey", func(t *testing.T) {
		t.Parallel()
		a := apptest.Start(t, apptest.Options{NoSeed: true})
		b := apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: a.DatabaseURL})
		acct := a.Register(t)

		before := b.Stmts.Snapshot()
		sql, _ := cost(t, b, acct.Token)
		require.Equal(t, int64(1), sql, "cold: one statement joining token and user: %q", b.Stmts.Since(before))
		require.Contains(t, b.Stmts.Since(before)[0], "JOIN users")
		require.Zero(t, b.Stmts.Snapshot().Connects-before.Connects, "no connection opened on the request path")
		for range 5 {
			sql, _ := cost(t, b, acct.Token)
			require.Zero(t, sql, "warm: no SQL")
		}
	})

	t.Run("WithValkey", func(t *testing.T) {
		t.Parallel()
		url, prefix := apptest.SharedValkey(t)
		a := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
		b := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
		acct := a.Register(t)

		sql, _ := cost(t, b, acct.Token)
		require.Equal(t, int64(1), sql, "cold on a fresh process: one statement")
		warm(t, b, acct.Token)
		for range 10 {
			sql, vk := cost(t, b, acct.Token)
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
		a.Do(t, post("/auth/login", map[string]any{"email": email, "password": apptest.TestPassword})).JSON(t, &out)
		return out.Token
	}
	rejected := func(t *testing.T, token string) func() bool {
		return func() bool { return me(t, b, token).Status == http.StatusUnauthorized }
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
			warm(t, b, victim)

			tt.revoke(t, acct, other)
			require.Equal(t, http.StatusUnauthorized, me(t, a, victim).Status, "the revoking instance rejects at once")
			took := propagation(t, b, rejected(t, victim))
			t.Logf("%s reached the other instance in %v", tt.name, took)
			require.Less(t, took, budget)
		})
	}

	t.Run("ProfileChange", func(t *testing.T) {
		t.Parallel()
		acct := a.Register(t)
		warm(t, b, acct.Token)
		require.Equal(t, http.StatusOK, a.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: acct.Token,
			Body: map[string]any{"first_name": "Renamed"}}).Status)
		took := propagation(t, b, func() bool {
			var u client.User
			me(t, b, acct.Token).JSON(t, &u)
			return u.FirstName == "Renamed"
		})
		t.Logf("profile change reached the other instance in %v", took)
		require.Less(t, took, budget)
	})
}
