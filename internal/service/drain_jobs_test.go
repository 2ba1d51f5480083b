package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/reminders"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testwait"
)

// gatedPush is a push channel whose sends wait for release (or for their context to end), so a test holds a
// notification_send job running while it signals the process.
type gatedPush struct {
	started chan struct{} // closed when the first send starts
	release chan struct{} // closing it lets sends succeed
	sent    atomic.Int64  // sends that succeeded
	first   atomic.Bool
}

func newGatedPush() *gatedPush {
	return &gatedPush{started: make(chan struct{}), release: make(chan struct{})}
}

func (g *gatedPush) Handles(string) bool { return true }

func (g *gatedPush) Send(ctx context.Context, msgs []push.Message) []push.Result {
	if g.first.CompareAndSwap(false, true) {
		close(g.started)
	}
	out := make([]push.Result, len(msgs))
	select {
	case <-g.release:
		g.sent.Add(int64(len(msgs)))
	case <-ctx.Done():
		for i := range out {
			out[i].Err = ctx.Err()
		}
	}
	return out
}

// instantPush accepts every push at once and counts them.
type instantPush struct{ sent atomic.Int64 }

func (p *instantPush) Handles(string) bool { return true }

func (p *instantPush) Send(_ context.Context, msgs []push.Message) []push.Result {
	p.sent.Add(int64(len(msgs)))
	return make([]push.Result, len(msgs))
}

// queueReminderPush seeds a user with an Android device and a task due tomorrow, and plans its reminder: one
// notification_send job, which pushes to the device.
func queueReminderPush(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	email := reminderDue(t, pool)
	_, err := pool.Exec(t.Context(), `INSERT INTO notification_devices (user_id, platform, token)
		SELECT id, 'android', $2 FROM users WHERE email = $1`, email, fmt.Sprintf("token-%d", time.Now().UnixNano()))
	require.NoError(t, err)
	n, err := reminders.Plan(t.Context(), pool, time.Now(), reminders.GraceDefault)
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "one reminder planned")
}

// TestDrainNeverLosesARunningJob: a job running when serve gets SIGTERM either finishes within
// SHUTDOWN_TIMEOUT (completed, pushed once), or, still running at the timeout, is cancelled and handed back to
// the queue (available, not discarded), and another process's worker then completes it.
func TestDrainNeverLosesARunningJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// timeout is SHUTDOWN_TIMEOUT; release, when set, is when the push is let through after the signal.
		timeout, release time.Duration
		wantState        string
	}{
		{"FinishesWithinTheTimeout", 5 * time.Second, 300 * time.Millisecond, "completed"},
		{"HandedBackAtTheTimeout", 500 * time.Millisecond, 0, "available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gate := newGatedPush()
			s := startDraining(t, 200*time.Millisecond, func(c *config.Config) {
				c.Workers = true
				c.ShutdownTimeout = tt.timeout
			}, func(o *service.Options) { o.PushChannels = []push.Channel{{Name: "gated", Sender: gate}} })
			pool, err := pgxpool.New(t.Context(), s.dbURL)
			require.NoError(t, err)
			t.Cleanup(pool.Close)
			queueReminderPush(t, pool)
			select {
			case <-gate.started:
			case <-time.After(20 * time.Second):
				t.Fatalf("the push job never started: %v", sendJobStates(t, pool, 0))
			}

			start := time.Now()
			s.sigterm()
			if tt.release > 0 {
				time.AfterFunc(tt.release, func() { close(gate.release) })
			}
			s.stop(t)
			took := time.Since(start)
			states := sendJobStates(t, pool, 0)
			require.Equal(t, map[string]int{tt.wantState: 1}, states, "the job after the drain (%v)", took)
			t.Logf("serve stopped %v after the signal; the job is %s", took, tt.wantState)
			if tt.wantState == "completed" {
				require.EqualValues(t, 1, gate.sent.Load(), "pushed once")
				return
			}
			require.Zero(t, gate.sent.Load(), "nothing was pushed before the timeout")

			// Another process's worker takes the job back and completes it.
			other := &instantPush{}
			cfg := defaultConfig(t, s.dbURL)
			cfg.FileStorageURL = "mem://"
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- service.RunWorker(ctx, service.WorkerOptions{Config: cfg, Logger: slog.New(slog.DiscardHandler),
					PushChannels: []push.Channel{{Name: "instant", Sender: other}}})
			}()
			t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
			testwait.Until(t, 20*time.Second, func() bool { return sendJobStates(t, pool, 0)["completed"] == 1 },
				"the job handed back completes on another worker")
			require.EqualValues(t, 1, other.sent.Load(), "pushed once, by the other worker")
		})
	}
}

// TestWorkerCancelsRunningJobsOnTheSecondSignal: `homekeep worker` waits SHUTDOWN_TIMEOUT for a running job
// after the first signal; the second cancels it at once, and it is back in the queue.
func TestWorkerCancelsRunningJobsOnTheSecondSignal(t *testing.T) {
	t.Parallel()
	dbURL := testdb.New(t)
	pool, err := pgxpool.New(t.Context(), dbURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	gate := newGatedPush()
	cfg := defaultConfig(t, dbURL)
	cfg.FileStorageURL = "mem://"
	cfg.ShutdownTimeout = time.Minute
	ctx, sigterm := context.WithCancel(context.Background())
	hurry := make(chan struct{})
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- service.RunWorker(ctx, service.WorkerOptions{Config: cfg, Logger: slog.New(slog.DiscardHandler),
			Migrate: true, Hurry: hurry, OnReady: func() { close(ready) },
			PushChannels: []push.Channel{{Name: "gated", Sender: gate}}})
	}()
	returned := false
	t.Cleanup(func() {
		sigterm()
		if !returned {
			close(gate.release)
			require.NoError(t, <-done)
		}
	})
	<-ready
	queueReminderPush(t, pool)
	select {
	case <-gate.started:
	case <-time.After(20 * time.Second):
		t.Fatalf("the push job never started: %v", sendJobStates(t, pool, 0))
	}

	sigterm()
	select {
	case err := <-done:
		t.Fatalf("the worker stopped before the job finished or SHUTDOWN_TIMEOUT passed: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	start := time.Now()
	close(hurry)
	select {
	case err := <-done:
		returned = true
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal did not stop the worker (SHUTDOWN_TIMEOUT is a minute)")
	}
	t.Logf("worker stopped %v after the second signal", time.Since(start))
	require.Equal(t, map[string]int{"available": 1}, sendJobStates(t, pool, 0), "the job is back in the queue")
	require.Zero(t, gate.sent.Load())
}
