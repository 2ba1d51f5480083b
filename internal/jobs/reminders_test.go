package jobs

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testwait"
)

func TestReminderPlanner(t *testing.T) {
	t.Parallel()

	t.Run("LeaderPlansAtStartForTheInjectedClock", func(t *testing.T) {
		t.Parallel()
		pool := testdb.Pool(t)
		clock := time.Date(2026, 3, 29, 7, 5, 0, 0, time.UTC)
		var planned atomic.Pointer[time.Time]
		c, err := New(Options{
			Pool: pool, Logger: slog.New(slog.DiscardHandler), StopTimeout: time.Second,
			Now: func() time.Time { return clock },
			Work: Work{
				SendCode:         func(context.Context, int64, string) error { return nil },
				SweepFiles:       func(context.Context) (int, error) { return 0, nil },
				PurgeRevocations: func(context.Context) error { return nil },
				PlanReminders: func(_ context.Context, now time.Time) (int64, error) {
					planned.Store(&now)
					return 0, nil
				},
			},
		})
		require.NoError(t, err)
		require.NoError(t, c.Start(t.Context()))
		t.Cleanup(func() { require.NoError(t, c.Stop(context.Background())) })

		testwait.Until(t, 10*time.Second, func() bool { return planned.Load() != nil },
			"the leader never ran the planner it inserts when it is elected")
		require.Equal(t, clock, *planned.Load(), "the planner plans for the client's clock")
		var jobs int
		require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM river_job WHERE kind = $1 AND queue = $2",
			KindReminderPlan, QueueMaintenance).Scan(&jobs))
		require.Equal(t, 1, jobs, "one planner job for the period")
	})

	t.Run("ProcessWithoutPlannerCompletesItsJobWithoutWork", func(t *testing.T) {
		t.Parallel()
		w := &reminderPlanWorker{now: time.Now}
		require.NoError(t, w.Work(t.Context(), nil))
	})
}
