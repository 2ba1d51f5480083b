package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/apptest"
)

// deferredReads are the hot reads whose authentication runs in the same round trip as their data when the
// token is not cached (app.DefersAuthentication).
func deferredReads() []string {
	var out []string
	for _, hr := range hotReads {
		if app.DefersAuthentication(hr.op) {
			out = append(out, hr.path)
		}
	}
	return out
}

// requireRefused checks a 401 in the spec's error shape that shows none of setupReads' data.
func requireRefused(t *testing.T, r apptest.Response, what string) {
	t.Helper()
	apptest.RequireAPIError(t, r, http.StatusUnauthorized, "unauthorized", "")
	for _, secret := range []string{"Home", "Replace the HVAC filter", "Ace Plumbing", "Boiler manual"} {
		require.NotContains(t, string(r.Body), secret, "%s: no data in the refusal", what)
	}
}

// A token the process has not cached is authenticated in the same round trip as a hot read's data; these
// are the guarantees that must still hold: nothing is answered for a token that does not authenticate,
// nothing is cached that a revocation overtook, and no other operation runs unauthenticated.
func TestDeferredAuthentication(t *testing.T) {
	t.Parallel()

	t.Run("RevokedTokenIsRefusedWithoutData", func(t *testing.T) {
		t.Parallel()
		b := setupReads(t, false)
		cold := apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: b.a.DatabaseURL}) // never saw the token
		r := b.a.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/logout", Token: b.acct.Token})
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		for _, path := range deferredReads() {
			before := cold.Stmts.Snapshot()
			r := cold.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: b.acct.Token})
			requireRefused(t, r, path)
			require.Equal(t, int64(1), cold.Stmts.Sequential(before), "GET %s: refused in one round trip", path)
		}
	})

	t.Run("DeactivatedUserIsRefused", func(t *testing.T) {
		t.Parallel()
		b := setupReads(t, false)
		apptest.DBExec(t, b.a, "UPDATE users SET is_active = false WHERE id = $1", b.acct.ID)
		cold := apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: b.a.DatabaseURL})
		for _, path := range deferredReads() {
			requireRefused(t, cold.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: b.acct.Token}), path)
		}
	})

	t.Run("UnknownTokenIsRefusedInTheErrorShape", func(t *testing.T) {
		t.Parallel()
		b := setupReads(t, false)
		token := "not-a-token-" + strings.Repeat("x", 31)
		for _, path := range deferredReads() {
			requireRefused(t, b.a.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: token}), path)
		}
		// Bad input is not answered before the caller is authenticated: a 400 would tell a stranger more
		// than a 401 does. ogen refuses the first two before any handler, textinput the third.
		for _, path := range []string{"/contractors?residence_id=abc", "/documents?type=poem", "/contractors?q=a%00b"} {
			requireRefused(t, b.a.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: token, Invalid: true}), path)
		}
	})

	t.Run("BadInputOfAValidTokenStillNamesTheField", func(t *testing.T) {
		t.Parallel()
		b := setupReads(t, false)
		for _, tt := range []struct{ path, field string }{
			{"/contractors?residence_id=abc", "residence_id"},
			{"/documents?type=poem", "type"},
			{"/contractors?q=a%00b", "q"},
		} {
			cold := apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: b.a.DatabaseURL})
			before := cold.Stmts.Snapshot()
			r := cold.Do(t, apptest.Request{Method: http.MethodGet, Path: tt.path, Token: b.acct.Token, Invalid: true})
			apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", tt.field)
			require.Contains(t, cold.Stmts.Since(before)[0], "-- name: AuthTokenUser ", "%s: authenticated first", tt.path)
			cold.Stop(t)
		}
	})

	t.Run("AResidenceTheCallerCannotSeeIsNotFound", func(t *testing.T) {
		t.Parallel()
		b := setupReads(t, false)
		other := b.a.Register(t)
		hidden := apptest.CreateResidence(t, b.a, other, "Someone else's")
		cold := apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: b.a.DatabaseURL})
		r := cold.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/contractors?residence_id=%d", hidden),
			Token: b.acct.Token})
		apptest.RequireAPIError(t, r, http.StatusNotFound, "not_found", "")
		r = cold.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/documents?residence_id=%d", hidden),
			Token: b.acct.Token})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		require.JSONEq(t, "[]", string(r.Body), "another user's documents never show")
	})

	t.Run("TokenRevokedWhileItsReadIsInFlightIsNotCached", func(t *testing.T) {
		t.Parallel()
		url, prefix := apptest.SharedValkey(t)
		a := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
		var (
			armed   sync.Once
			reached = make(chan struct{})
			release = make(chan struct{})
			arm     = make(chan struct{})
		)
		tracer := &apptest.Tracer{AfterBatch: func(context.Context) {
			select {
			case <-arm:
				armed.Do(func() { close(reached); <-release })
			default:
			}
		}}
		b := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL,
			Tracer: tracer})
		acct := a.Register(t)
		apptest.CreateResidence(t, a, acct, "Home")
		apptest.Warm(t, b, acct.Token)
		forgetToken(t, b, prefix, acct.Token)

		// b reads the residences with the token's authentication in one batch; the batch has returned the
		// user when a's logout revokes the token, before b caches it.
		close(arm)
		status := make(chan int, 1)
		go func() {
			s, err := getStatus(b, "/residences", acct.Token)
			if err != nil {
				s = 0
			}
			status <- s
		}()
		select {
		case <-reached:
		case <-time.After(10 * time.Second):
			t.Fatal("the read never sent its batch")
		}
		r := a.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/logout", Token: acct.Token})
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		close(release)
		require.Equal(t, http.StatusOK, <-status, "the read authenticated before the revocation committed")

		for range 3 {
			r := b.Do(t, apptest.Request{Method: http.MethodGet, Path: "/residences", Token: acct.Token})
			requireRefused(t, r, "after the revocation")
			apptest.RequireAPIError(t, apptest.Me(t, b, acct.Token), http.StatusUnauthorized, "unauthorized", "")
		}
	})

	t.Run("OtherOperationsAuthenticateBeforeTheirHandler", func(t *testing.T) {
		t.Parallel()
		b := setupReads(t, true)
		rid := apptest.CreateResidence(t, b.a, b.acct, "Cabin")
		for _, req := range []apptest.Request{
			{Method: http.MethodGet, Path: "/auth/me"},
			{Method: http.MethodGet, Path: fmt.Sprintf("/residences/%d", rid)},
			{Method: http.MethodGet, Path: fmt.Sprintf("/residences/%d/tasks", rid)},
			{Method: http.MethodGet, Path: fmt.Sprintf("/residences/%d/members", rid)},
			{Method: http.MethodGet, Path: "/documents/warranties"},
			{Method: http.MethodGet, Path: "/static-data"},
			{Method: http.MethodPatch, Path: "/auth/me", Body: map[string]any{"first_name": "Ada"}},
			{Method: http.MethodPost, Path: "/residences", Body: map[string]any{"name": "Barn"}},
		} {
			req.Token = b.acct.Token
			var (
				before apptest.Snapshot
				sql    []string
			)
			whileForgotten(t, b.a, b.prefix, b.acct.Token, func() []string {
				before = b.a.Stmts.Snapshot()
				r := b.a.Do(t, req)
				require.Less(t, r.Status, 300, "%s %s: %s", req.Method, req.Path, r.Body)
				sql = b.a.Stmts.Since(before)
				return sql
			})
			require.Contains(t, sql[0], "-- name: AuthTokenUser ", "%s %s: authenticated first: %q", req.Method, req.Path, sql)
			require.Zero(t, b.a.Stmts.Snapshot().Batches-before.Batches, "%s %s: on its own", req.Method, req.Path)
		}
	})
}
