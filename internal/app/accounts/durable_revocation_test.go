package accounts_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/app/accounts"
	"github.com/homekeep/homekeep/internal/app/operator"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/identity"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/testvalkey"
	"github.com/homekeep/homekeep/internal/testwait"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// appendOnlyValkey is a redis-server (or valkey-server) of the test's own that keeps its keys in an
// append-only file, as managed Valkeys do, so that it comes back from a stop with the keys it had.
type appendOnlyValkey struct {
	bin, port, dir string
	cmd            *exec.Cmd
}

func startAppendOnlyValkey(t *testing.T) *appendOnlyValkey {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if bin, err = exec.LookPath("valkey-server"); err != nil {
			t.Skip("needs redis-server or valkey-server to stop and start a Valkey of its own")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	v := &appendOnlyValkey{bin: bin, port: strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), dir: t.TempDir()}
	require.NoError(t, ln.Close())
	v.start(t)
	t.Cleanup(func() { v.stop(t) })
	return v
}

func (v *appendOnlyValkey) url() string { return "redis://127.0.0.1:" + v.port }

// start runs the server on its port and waits until it accepts connections.
func (v *appendOnlyValkey) start(t *testing.T) {
	t.Helper()
	v.cmd = exec.Command(v.bin, "--port", v.port, "--bind", "127.0.0.1", "--dir", v.dir,
		"--appendonly", "yes", "--save", "")
	require.NoError(t, v.cmd.Start())
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+v.port)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 5*time.Second, 10*time.Millisecond, "valkey did not start")
}

// stop shuts the server down as an operator would (SIGTERM: it writes and syncs its append-only file).
func (v *appendOnlyValkey) stop(t *testing.T) {
	t.Helper()
	if v.cmd == nil {
		return
	}
	require.NoError(t, v.cmd.Process.Signal(syscall.SIGTERM))
	_ = v.cmd.Wait()
	v.cmd = nil
}

// TestRevocationSurvivesValkeyOutage is the sequence of issue 9: with a Valkey that keeps its data, stop it,
// revoke tokens on process A (the tombstones cannot be written), stop A, start Valkey again, then sign the
// same users in on process B: the revoked tokens must stay revoked on B, although Valkey still maps them to
// their users and B has the users in memory. B is either started once Valkey is back (it delivers the
// recorded revocations before it takes traffic) or was running all along (it delivers them when it
// reconnects, before it uses its user cache again). Every way of revoking is exercised.
func TestRevocationSurvivesValkeyOutage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		running bool
	}{
		{"OnAProcessStartedAfterwards", false},
		{"OnAProcessThatKeptRunning", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testRevocationSurvivesValkeyOutage(t, tt.running)
		})
	}
}

func testRevocationSurvivesValkeyOutage(t *testing.T, bKeepsRunning bool) {
	ctx := context.Background()
	v := startAppendOnlyValkey(t)
	smtp := testsmtp.Start(t)
	a := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: v.url(), Configure: apptest.WithSMTP(smtp)})
	var b *apptest.Instance
	if bKeepsRunning {
		b = apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: v.url(), DatabaseURL: a.DatabaseURL})
	}

	login := func(t *testing.T, inst *apptest.Instance, email, password string) string {
		t.Helper()
		return apptest.Expect[client.AuthResponse](t, inst, apptest.Post("/auth/login", map[string]any{"email": email, "password": password}),
			http.StatusOK).Token
	}
	// inValkey waits until the token's entry is in Valkey: A then answers from its client-side copy of it.
	inValkey := func(t *testing.T, token string) {
		t.Helper()
		require.Eventually(t, func() bool {
			before := a.Valkey.RoundTrips()
			return apptest.Me(t, a, token).Status == http.StatusOK && a.Valkey.RoundTrips() == before
		}, 2*time.Second, 5*time.Millisecond, "the token's entry never reached Valkey")
	}

	loggedOut := a.Register(t)
	changed := a.Register(t)
	changedOther := login(t, a, changed.Email, apptest.TestPassword)
	reset := a.Register(t)
	_ = smtp.Next(t, reset.Email) // the verification email
	require.Equal(t, http.StatusAccepted, a.Do(t, apptest.Post("/auth/forgot-password", map[string]any{"email": reset.Email})).Status)
	resetToken := apptest.Expect[client.ResetTokenResponse](t, a, apptest.Post("/auth/verify-reset-code", map[string]any{"email": reset.Email, "code": smtp.Next(t, reset.Email).Code(t)}),
		http.StatusOK).ResetToken
	deleted := a.Register(t)
	deactivated := a.Register(t)
	witness := a.Register(t) // never revoked
	for _, token := range []string{loggedOut.Token, changedOther, reset.Token, deleted.Token, deactivated.Token} {
		inValkey(t, token)
	}

	v.stop(t)
	require.Equal(t, http.StatusNoContent, a.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/logout",
		Token: loggedOut.Token}).Status)
	require.Equal(t, http.StatusNoContent, a.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/change-password",
		Token: changed.Token, Body: map[string]any{"current_password": apptest.TestPassword, "new_password": "changed during the outage"}}).Status)
	require.Equal(t, http.StatusNoContent, a.Do(t, apptest.Post("/auth/reset-password",
		map[string]any{"reset_token": resetToken, "new_password": "reset during the outage"})).Status)
	require.Equal(t, http.StatusNoContent, a.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/auth/me",
		Token: deleted.Token}).Status)
	deactivate(t, a.DatabaseURL, deactivated.Email)
	a.Stop(t)

	v.start(t)
	if bKeepsRunning {
		inUseAgain(t, b, witness.Token)
	} else {
		b = apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: v.url(), DatabaseURL: a.DatabaseURL})
	}
	tests := []struct {
		name, token string
		// signIn signs the account in on B, which caches its user, and returns the new token (empty: it cannot).
		signIn func(t *testing.T) string
	}{
		{"Logout", loggedOut.Token, func(t *testing.T) string {
			return login(t, b, loggedOut.Email, apptest.TestPassword)
		}},
		{"PasswordChange", changedOther, func(t *testing.T) string {
			return login(t, b, changed.Email, "changed during the outage")
		}},
		{"PasswordReset", reset.Token, func(t *testing.T) string {
			return login(t, b, reset.Email, "reset during the outage")
		}},
		{"AccountDeletion", deleted.Token, func(*testing.T) string { return "" }},
		{"Deactivation", deactivated.Token, func(*testing.T) string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fresh := tt.signIn(t); fresh != "" {
				require.Equal(t, http.StatusOK, apptest.Me(t, b, fresh).Status, "the new sign-in works")
			}
			require.Equal(t, http.StatusUnauthorized, apptest.Me(t, b, tt.token).Status,
				"a token revoked while Valkey was down stays revoked once Valkey is back with its data")
		})
	}

	conn, err := pgx.Connect(ctx, a.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	// Delivered before b took traffic; forgetting the record can trail that on a busy machine.
	testwait.Until(t, 10*time.Second, func() bool {
		var pending int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM token_tombstones").Scan(&pending))
		return pending == 0
	}, "the recorded revocations were delivered to Valkey and forgotten")
}

// inUseAgain waits until inst, after Valkey came back, serves token from its caches again (no SQL, no
// round trip): it has resubscribed and uses its user cache.
func inUseAgain(t *testing.T, inst *apptest.Instance, token string) {
	t.Helper()
	testwait.Until(t, 10*time.Second, func() bool {
		before, vkBefore := inst.Stmts.Snapshot(), inst.Valkey.RoundTrips()
		require.Equal(t, http.StatusOK, apptest.Me(t, inst, token).Status)
		return inst.Stmts.RoundTrips(before) == 0 && inst.Valkey.RoundTrips() == vkBefore
	}, "the instance never used its caches again after Valkey came back")
}

// deactivate runs the operator's deactivation (homekeep users deactivate) from a process that cannot reach
// Valkey: the revocation is only recorded in PostgreSQL.
func deactivate(t *testing.T, databaseURL, email string) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, databaseURL)
	require.NoError(t, err)
	defer pool.Close()
	auth, err := authcache.New(authcache.Options{TokenTTL: time.Hour, UserTTL: time.Minute, UserCacheSize: 1,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer auth.Close()
	found, err := operator.SetUserActive(ctx, pool, auth, email, false)
	require.NoError(t, err)
	require.True(t, found)
}

// TestRecordedRevocationsAreSwept: when the process that revoked a token could not write its tombstone and
// died before Valkey answered it again, while the other processes kept their connection (so none of them
// delivers on reconnecting), the recorded revocation reaches Valkey at the next periodic delivery job
// (package jobs schedules it; this runs its work, DeliverRecorded).
func TestRecordedRevocationsAreSwept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	url, prefix := testvalkey.New(t)
	log := slog.New(slog.DiscardHandler)
	conn, err := valkeyconn.Connect(ctx, url, log, valkeyconn.WithCallTimeout(testvalkey.CallTimeout))
	require.NoError(t, err)
	defer conn.Close()
	c, err := authcache.New(authcache.Options{Shared: conn, KeyPrefix: prefix, TokenTTL: time.Hour,
		UserTTL: time.Minute, UserCacheSize: 10, Logger: log, Tombstones: accounts.NewTombstoneStore(pool)})
	require.NoError(t, err)
	defer c.Close()
	c.Start(ctx)

	h := authcache.HashToken("revoked by a process that died")
	c.Remember(h, &identity.User{ID: 42, IsActive: true})
	require.Eventually(t, func() bool { id, ok := c.TokenUserID(ctx, h); return ok && id == 42 }, 2*time.Second,
		5*time.Millisecond, "the token is cached")
	// What the revoking statement of the process that died recorded.
	_, err = pool.Exec(ctx, "INSERT INTO token_tombstones (token_hash) VALUES ($1)", h[:])
	require.NoError(t, err)

	require.NoError(t, c.DeliverRecorded(ctx), "the delivery job's work")
	require.Eventually(t, func() bool { _, ok := c.TokenUserID(ctx, h); return !ok }, 2*time.Second, 5*time.Millisecond,
		"the delivery writes the tombstone over the cached entry")
	var pending int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM token_tombstones").Scan(&pending))
	require.Zero(t, pending, "and forgets the delivered revocation")
}
