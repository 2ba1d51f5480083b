package service_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/testwait"
)

// startWorker runs `homekeep worker` on databaseURL until the test ends (or the returned stop is called).
func startWorker(t *testing.T, databaseURL string, configure func(*config.Config)) (stop func()) {
	t.Helper()
	cfg := defaultConfig(t, databaseURL)
	cfg.FileStorageURL = "mem://"
	configure(&cfg)
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- service.RunWorker(ctx, service.WorkerOptions{Config: cfg, Logger: slog.New(slog.DiscardHandler),
			Migrate: true, OnReady: func() { close(ready) }})
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("the worker stopped before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the worker was not ready after 30s")
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		require.NoError(t, <-done, "the worker stops cleanly")
	}
	t.Cleanup(stop)
	return stop
}

// emailJobStates counts the email_code jobs by state.
func emailJobStates(t *testing.T, databaseURL string) map[string]int {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, databaseURL)
	require.NoError(t, err)
	defer pool.Close()
	rows, err := pool.Query(ctx, "SELECT state::text, count(*) FROM river_job WHERE kind = 'email_code' GROUP BY state")
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		require.NoError(t, rows.Scan(&state, &n))
		out[state] = n
	}
	require.NoError(t, rows.Err())
	return out
}

// TestServeWithoutWorkersAndWorkerSplitTheWork: `homekeep serve` with WORKERS=false queues the emails its
// requests ask for and sends none; an email queued before that server stopped is sent by a worker started
// afterwards, and while both run the worker sends what the server queues.
func TestServeWithoutWorkersAndWorkerSplitTheWork(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	withSMTP := func(c *config.Config) { apptest.WithSMTP(smtp)(c); c.Workers = false }
	dbURL := testdb.New(t)

	api := apptest.Start(t, apptest.Options{DatabaseURL: dbURL, NoSeed: true, Configure: withSMTP})
	before := api.Register(t)
	require.Equal(t, map[string]int{"available": 1}, emailJobStates(t, dbURL),
		"the verification email is queued, for a worker")
	api.Stop(t) // the only process that knows of the email is gone before anyone sent it

	startWorker(t, dbURL, func(c *config.Config) { c.SMTPURL, c.MailFrom = smtp.URL, "Homekeep <no-reply@homekeep.test>" })
	msg := smtp.Next(t, before.Email)
	require.Equal(t, "Your Homekeep verification code", msg.Subject, "the queued email is sent after the restart")

	api = apptest.Start(t, apptest.Options{DatabaseURL: dbURL, NoSeed: true, Configure: withSMTP})
	during := api.Register(t)
	code := smtp.Next(t, during.Email).Code(t)
	r := api.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/verify-email", Token: during.Token,
		Body: map[string]any{"code": code}})
	require.Equal(t, http.StatusOK, r.Status, "the worker's code verifies on the server: %s", r.Body)
	var states map[string]int
	testwait.Until(t, 10*time.Second, func() bool {
		states = emailJobStates(t, dbURL)
		return states["completed"] == 2
	}, "both emails' jobs complete")
	require.Equal(t, map[string]int{"completed": 2}, states, "each email worked once, by the worker")
}
