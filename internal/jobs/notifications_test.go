package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testwait"
)

// TestNotificationSend: the trigger on notifications inserts the job river would (kind, queue, attempts of
// KindNotificationSend's policy), in the statement that writes the feed row, and a running client works it.
func TestNotificationSend(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	ctx := t.Context()
	var user int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO users (email, password_hash) VALUES ('n@example.com', 'x')
		RETURNING id`).Scan(&user))

	t.Run("TheTriggerInsertsTheJobAsItsPolicySays", func(t *testing.T) {
		var id int64
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO notifications (user_id, kind, title) VALUES ($1, 'task_assigned', 'x')
			RETURNING id`, user).Scan(&id))
		var kind, queue string
		var attempts int
		var notificationID int64
		require.NoError(t, pool.QueryRow(ctx, `SELECT kind, queue, max_attempts, (args->>'notification_id')::bigint
			FROM river_job WHERE kind = 'notification_send' AND (args->>'notification_id')::bigint = $1`, id).
			Scan(&kind, &queue, &attempts, &notificationID))
		k := kinds[KindNotificationSend]
		require.Equal(t, []any{KindNotificationSend, k.queue, k.maxAttempts, id}, []any{kind, queue, attempts, notificationID})
	})

	t.Run("ARolledBackFeedRowEnqueuesNothing", func(t *testing.T) {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		var id int64
		require.NoError(t, tx.QueryRow(ctx, `INSERT INTO notifications (user_id, kind, title) VALUES ($1, 'member_joined', 'x')
			RETURNING id`, user).Scan(&id))
		require.NoError(t, tx.Rollback(ctx))
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE (args->>'notification_id')::bigint = $1`,
			id).Scan(&n))
		require.Zero(t, n)
	})

	t.Run("AClientWorksTheTriggersJobOnce", func(t *testing.T) {
		var mu sync.Mutex
		var sent []int64
		c, err := New(Options{
			Pool: pool, Logger: slog.New(slog.DiscardHandler), StopTimeout: time.Second,
			FetchPollInterval: time.Minute, // the trigger's notification wakes the queue, not polling
			Work: Work{
				SendCode:         func(context.Context, int64, string) error { return nil },
				SweepFiles:       func(context.Context) (int, error) { return 0, nil },
				PurgeRevocations: func(context.Context) error { return nil },
				SendNotification: func(_ context.Context, id int64, _ int) error {
					mu.Lock()
					defer mu.Unlock()
					sent = append(sent, id)
					return nil
				},
			},
		})
		require.NoError(t, err)
		require.NoError(t, c.Start(ctx))
		t.Cleanup(func() { require.NoError(t, c.Stop(context.Background())) })
		time.Sleep(time.Second) // let the client start listening

		var id int64
		require.NoError(t, pool.QueryRow(ctx, `INSERT INTO notifications (user_id, kind, title) VALUES ($1, 'task_completed', 'x')
			RETURNING id`, user).Scan(&id))
		testwait.Until(t, 10*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, s := range sent {
				if s == id {
					return true
				}
			}
			return false
		}, "the notification's job was worked")
		testwait.Until(t, 10*time.Second, func() bool {
			var state string
			require.NoError(t, pool.QueryRow(ctx, `SELECT state::text FROM river_job
				WHERE (args->>'notification_id')::bigint = $1`, id).Scan(&state))
			return state == "completed"
		}, "the job completes")
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, s := range sent {
			if s == id {
				n++
			}
		}
		require.Equal(t, 1, n, "worked once")
	})
}

// retryAfter is a send error carrying a wait, as delivery.RetryAfterError does.
type retryAfter time.Duration

func (r retryAfter) Error() string             { return "429" }
func (r retryAfter) RetryAfter() time.Duration { return time.Duration(r) }

func TestNotificationSendSnoozesWhenAServiceAsksToWait(t *testing.T) {
	t.Parallel()
	schedule := kinds[KindNotificationSend].schedule()
	require.Greater(t, schedule, 3*time.Hour, "retries span hours")
	for _, tc := range []struct {
		name   string
		err    error
		age    time.Duration
		want   time.Duration
		snooze bool
	}{
		{"NoWaitTakesTheRetrySchedule", errors.New("503"), 0, 0, false},
		{"TheServicesWaitWhenLongerThanTheBackoff", retryAfter(90 * time.Second), time.Minute, 90 * time.Second, true},
		{"TheBackoffWhenTheWaitIsShorter", retryAfter(time.Second), time.Minute, time.Minute, true},
		{"AtMostAnHour", retryAfter(5 * time.Hour), time.Minute, time.Hour, true},
		{"WrappedWaitsCount", fmt.Errorf("push: %w", retryAfter(2*time.Minute)), 0, 2 * time.Minute, true},
		{"NotOnceTheScheduleIsSpent", retryAfter(time.Minute), schedule, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := snoozeFor(tc.err, 1, tc.age)
			require.Equal(t, tc.snooze, ok)
			require.Equal(t, tc.want, got)
		})
	}
}
