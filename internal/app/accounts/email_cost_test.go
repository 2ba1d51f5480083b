package accounts_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestAskingForAnEmailCostsOneStatement: the requests that ask for an emailed code queue its job in the
// statement of their change, so the job costs no round trip of its own, and forgot-password costs the same
// whether or not the address has an account.
func TestAskingForAnEmailCostsOneStatement(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	acct := inst.Register(t)
	apptest.Warm(t, inst, acct.Token)

	for _, tc := range []struct {
		name string
		req  apptest.Request
		want int
	}{
		{"Register", apptest.Post("/auth/register", map[string]any{"email": "new@example.com", "password": apptest.TestPassword}),
			http.StatusCreated},
		{"ResendVerification", apptest.Request{Method: http.MethodPost, Path: "/auth/resend-verification", Token: acct.Token},
			http.StatusAccepted},
		{"ForgotPasswordKnownEmail", apptest.Post("/auth/forgot-password", map[string]any{"email": acct.Email}),
			http.StatusAccepted},
		{"ForgotPasswordUnknownEmail", apptest.Post("/auth/forgot-password", map[string]any{"email": "nobody@example.com"}),
			http.StatusAccepted},
	} {
		before := inst.Stmts.Snapshot()
		r := inst.Do(t, tc.req)
		require.Equal(t, tc.want, r.Status, "%s: %s", tc.name, r.Body)
		sql := inst.Stmts.Since(before)
		require.Len(t, sql, 1, "%s: one statement: %q", tc.name, sql)
		require.Contains(t, sql[0], "INSERT INTO river_job", "%s: the statement queues the email", tc.name)
		require.Equal(t, int64(1), inst.Stmts.Sequential(before), "%s: one round trip", tc.name)
	}
}
