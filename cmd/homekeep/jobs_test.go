package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/operator"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testwait"
)

func TestJobs(t *testing.T) {
	t.Parallel()

	t.Run("PrintsCountsByKindAndStateAndTheLastErrors", func(t *testing.T) {
		t.Parallel()
		// A server without workers: the verification email of each registration stays queued.
		inst := apptest.Start(t, apptest.Options{NoSeed: true})
		inst.Register(t)
		inst.Register(t)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, inst.DatabaseURL)
		require.NoError(t, err)
		defer conn.Close(ctx)
		// A job that failed twice, as river records it.
		_, err = conn.Exec(ctx, `
			INSERT INTO river_job (kind, queue, max_attempts, args, state, attempt, scheduled_at, errors)
			VALUES ('email_code', 'email', 10, '{"user_id": 1, "purpose": "reset"}', 'retryable', 2, now() + interval '1 minute',
			        ARRAY['{"at": "2030-01-02T03:04:05Z", "attempt": 1, "error": "an earlier failure"}',
			              '{"at": "2030-01-02T03:05:05Z", "attempt": 2, "error": "error sending mail to a recipient at example.com:\ndial failed"}']::jsonb[])`)
		require.NoError(t, err)

		var out, errOut bytes.Buffer
		require.NoError(t, run(ctx, []string{"jobs"}, envOf(map[string]string{"DATABASE_URL": inst.DatabaseURL}), &out, &errOut),
			errOut.String())
		got := out.String()
		require.Regexp(t, regexp.MustCompile(`(?m)^KIND\s+STATE\s+JOBS\s+OLDEST$`), got)
		require.Regexp(t, regexp.MustCompile(`(?m)^email_code\s+available\s+2\s+\d+s ago$`), got,
			"the two queued verification emails")
		require.Regexp(t, regexp.MustCompile(`(?m)^email_code\s+retryable\s+1\s+\d+s ago$`), got)
		require.Contains(t, got, "Last errors, newest first:\n2030-01-02 03:05:05Z  email_code #",
			"the job's last error, with when it failed")
		require.Contains(t, got, "retryable  attempt 2/10  error sending mail to a recipient at example.com: dial failed\n",
			"on one line")
		require.NotContains(t, got, "earlier failure", "only each job's last error")
	})

	t.Run("EmptyQueue", func(t *testing.T) {
		t.Parallel()
		var out, errOut bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"jobs"}, envOf(map[string]string{"DATABASE_URL": testdb.New(t)}),
			&out, &errOut), errOut.String())
		require.Equal(t, "no jobs\n\nno errors\n", out.String())
	})

	t.Run("HelpDescribesTheCommands", func(t *testing.T) {
		t.Parallel()
		for args, want := range map[string][]string{
			"jobs --help":   {"-errors", "counts", "available", "homekeep worker"},
			"worker --help": {"-no-migrate", "WORKERS=false", "SHUTDOWN_TIMEOUT"},
			"serve --help":  {"WORKERS=true", "homekeep worker"},
			"--help":        {"homekeep worker [--no-migrate]", "homekeep jobs [--errors N]", "WORKERS"},
		} {
			var out bytes.Buffer
			_ = run(context.Background(), strings.Fields(args), envOf(nil), &out, &out)
			for _, w := range want {
				require.Contains(t, out.String(), w, "homekeep %s", args)
			}
		}
	})
}

// lockedBuffer is a bytes.Buffer a command writes to while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestWorkerRunsUntilStopped(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	done := make(chan error, 1)
	env := envOf(map[string]string{"DATABASE_URL": testdb.New(t), "FILE_STORAGE_URL": "mem://", "LOG_LEVEL": "warn"})
	go func() { done <- run(ctx, []string{"worker"}, env, &out, &errOut) }()
	testwait.Until(t, 30*time.Second, func() bool { return strings.Contains(out.String(), "worker is running") },
		"the worker never said it runs")
	cancel() // what SIGINT does
	select {
	case err := <-done:
		require.NoError(t, err, "a stopped worker exits cleanly: %s", errOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not stop")
	}
}

func TestPrintJobs(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	var out bytes.Buffer
	printJobs(&out, operator.JobReport{
		Counts: []operator.JobCount{
			{Kind: "email_code", State: "available", Jobs: 12, Oldest: now.Add(-90 * time.Minute)},
			{Kind: "file_sweep", State: "completed", Jobs: 1, Oldest: now.Add(-time.Minute)},
		},
		Errors: []operator.JobError{{ID: 7, Kind: "email_code", State: "discarded", Attempt: 10, MaxAttempts: 10,
			FailedAt: now, Error: "boom"}},
	}, now)
	require.Equal(t, `KIND        STATE      JOBS  OLDEST
email_code  available  12    1h30m0s ago
file_sweep  completed  1     1m0s ago

Last errors, newest first:
2030-01-02 03:04:05Z  email_code #7  discarded  attempt 10/10  boom
`, out.String())
}
