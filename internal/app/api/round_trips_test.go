package api_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/testwait"
)

// hotReads are the authenticated reads issue 11 holds to one database round trip in every state.
var hotReads = []struct {
	path string
	op   oas.OperationName
}{
	{"/tasks", oas.GetBoardOperation},
	{"/residences", oas.ListResidencesOperation},
	{"/contractors", oas.ListContractorsOperation},
	{"/documents", oas.ListDocumentsOperation},
}

// readCost is one GET with what the process sent to PostgreSQL for it.
type readCost struct {
	status int
	body   any
	// statements counts every SQL statement, roundTrips the statements and batches sent (a batch is one),
	// sequential the round trips that waited for one another (the latency, in RTTs).
	statements, roundTrips, sequential int64
	sql                                []string
}

func costOf(t *testing.T, inst *apptest.Instance, token, path string) readCost {
	t.Helper()
	before := inst.Stmts.Snapshot()
	r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: token})
	c := readCost{status: r.Status, statements: inst.Stmts.Statements(before), roundTrips: inst.Stmts.RoundTrips(before),
		sequential: inst.Stmts.Sequential(before), sql: inst.Stmts.Since(before)}
	require.NoError(t, json.Unmarshal(r.Body, &c.body), "GET %s: %s", path, r.Body)
	return c
}

// requireOneRoundTrip checks a read whose token was cached: one statement, one round trip. The board may
// cost none (its residences' versions are unchanged and it was built before: the board's own tests count
// that), and with its residence list not cached it reads the list in the same round trip as the board.
func requireOneRoundTrip(t *testing.T, path string, c readCost) {
	t.Helper()
	require.Equal(t, http.StatusOK, c.status, "GET %s: %v", path, c.body)
	if path == "/tasks" {
		require.LessOrEqual(t, c.sequential, int64(1), "GET %s: at most one round trip: %q", path, c.sql)
		require.LessOrEqual(t, c.roundTrips, int64(1), "GET %s: at most one round trip: %q", path, c.sql)
		return
	}
	require.Equal(t, int64(1), c.statements, "GET %s: one statement: %q", path, c.sql)
	require.Equal(t, int64(1), c.sequential, "GET %s: one round trip: %q", path, c.sql)
}

// requireAuthenticatedAlongside checks a read whose token the process did not know: the authentication's
// statement and the data statement went out together, in one round trip. An operation that does not defer
// its authentication (app.DefersAuthentication) is only checked to authenticate.
func requireAuthenticatedAlongside(t *testing.T, path string, op oas.OperationName, c readCost) {
	t.Helper()
	require.Equal(t, http.StatusOK, c.status, "GET %s: %v", path, c.body)
	require.Contains(t, c.sql[0], "-- name: AuthTokenUser ", "GET %s: the token is authenticated: %q", path, c.sql)
	if !app.DefersAuthentication(op) {
		return
	}
	require.Equal(t, int64(2), c.statements, "GET %s: the token's user and the data: %q", path, c.sql)
	require.Equal(t, int64(1), c.roundTrips, "GET %s: in one batch: %q", path, c.sql)
	require.Equal(t, int64(1), c.sequential, "GET %s: one round trip: %q", path, c.sql)
}

// readsBundle is an account whose one residence holds a task, a contractor and a document, on a process
// with Valkey.
type readsBundle struct {
	url, prefix string
	a           *apptest.Instance
	acct        apptest.Account
}

func setupReads(t *testing.T, valkey bool) readsBundle {
	t.Helper()
	var b readsBundle
	if valkey {
		b.url, b.prefix = apptest.SharedValkey(t)
	}
	b.a = apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: b.url, KeyPrefix: b.prefix})
	b.acct = b.a.Register(t)
	rid := apptest.CreateResidence(t, b.a, b.acct, "Home")
	apptest.CreateTask(t, b.a, b.acct, map[string]any{"residence_id": rid, "title": "Replace the HVAC filter"})
	apptest.CreateContractor(t, b.a, b.acct, map[string]any{"residence_id": rid, "name": "Ace Plumbing"})
	apptest.CreateDocument(t, b.a, b.acct, map[string]any{"residence_id": rid, "title": "Boiler manual"})
	apptest.Warm(t, b.a, b.acct.Token)
	return b
}

// forgetToken deletes the token's key from Valkey, as an expiry or an eviction (allkeys-lru) does, on inst's
// own connection, then waits for a reply on it: Valkey pushes the invalidation of inst's client-side copy
// after the DEL's reply but before the PING's, so inst has dropped its copy when this returns.
func forgetToken(t *testing.T, inst *apptest.Instance, prefix, token string) {
	t.Helper()
	h := authcache.HashToken(token)
	key := prefix + "auth_token:" + hex.EncodeToString(h[:])
	ctx := context.Background()
	require.NoError(t, inst.Valkey.Do(ctx, func(b valkey.Builder) valkey.Completed { return b.Del().Key(key).Build() }).Error())
	require.NoError(t, inst.Valkey.Do(ctx, func(b valkey.Builder) valkey.Completed { return b.Ping().Build() }).Error())
}

// whileForgotten forgets the token and runs do, which returns the statements its request ran, again (up to
// ten times) until the token was looked up: a fill queued by an earlier cold request can land after the key
// was deleted and cache the token again.
func whileForgotten(t *testing.T, inst *apptest.Instance, prefix, token string, do func() []string) {
	t.Helper()
	for range 10 {
		forgetToken(t, inst, prefix, token)
		if sql := do(); len(sql) > 0 && strings.Contains(sql[0], "-- name: AuthTokenUser ") {
			return
		}
	}
}

func TestHotReadsCostOneRoundTrip(t *testing.T) {
	t.Parallel()

	t.Run("Warm", func(t *testing.T) {
		t.Parallel()
		b := setupReads(t, true)
		for _, hr := range hotReads {
			testwait.Until(t, 5*time.Second, func() bool { return costOf(t, b.a, b.acct.Token, hr.path).statements <= 1 },
				"GET %s never became warm", hr.path)
			for range 3 {
				requireOneRoundTrip(t, hr.path, costOf(t, b.a, b.acct.Token, hr.path))
			}
		}
	})

	t.Run("AccessCacheCold", func(t *testing.T) {
		t.Parallel()
		b := setupReads(t, true)
		for _, hr := range hotReads {
			// A membership change (a new residence) drops the user's cached residence list.
			apptest.CreateResidence(t, b.a, b.acct, "Cabin "+hr.path)
			requireOneRoundTrip(t, hr.path, costOf(t, b.a, b.acct.Token, hr.path))
		}
	})

	t.Run("FirstRequestAfterARestart", func(t *testing.T) {
		t.Parallel()
		b := setupReads(t, true)
		b.a.Stop(t)
		for _, hr := range hotReads {
			// A new process per read, so each is the first after a start; token and user are in Valkey.
			inst := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: b.url, KeyPrefix: b.prefix, DatabaseURL: b.a.DatabaseURL})
			requireOneRoundTrip(t, hr.path, costOf(t, inst, b.acct.Token, hr.path))
			inst.Stop(t)
		}
	})

	t.Run("TokenForgottenByValkey", func(t *testing.T) {
		t.Parallel()
		b := setupReads(t, true)
		for _, hr := range hotReads {
			warm := costOf(t, b.a, b.acct.Token, hr.path)
			var c readCost
			whileForgotten(t, b.a, b.prefix, b.acct.Token, func() []string {
				c = costOf(t, b.a, b.acct.Token, hr.path)
				return c.sql
			})
			requireAuthenticatedAlongside(t, hr.path, hr.op, c)
			require.Equal(t, warm.body, c.body, "GET %s answers as it does warm", hr.path)
			// The token is cached again: the next read costs no authentication.
			testwait.Until(t, 5*time.Second, func() bool {
				return !slices.ContainsFunc(costOf(t, b.a, b.acct.Token, hr.path).sql,
					func(s string) bool { return strings.Contains(s, "-- name: AuthTokenUser ") })
			}, "GET %s: the token was never cached again", hr.path)
		}
	})

	t.Run("TokenNewToAProcessWithoutValkey", func(t *testing.T) {
		t.Parallel()
		b := setupReads(t, false)
		for _, hr := range hotReads {
			warm := costOf(t, b.a, b.acct.Token, hr.path)
			inst := apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: b.a.DatabaseURL})
			c := costOf(t, inst, b.acct.Token, hr.path)
			requireAuthenticatedAlongside(t, hr.path, hr.op, c)
			require.Equal(t, warm.body, c.body, "GET %s answers as it does warm", hr.path)
			inst.Stop(t)
		}
	})
}
