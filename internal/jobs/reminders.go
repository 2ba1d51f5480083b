package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// ReminderPlanInterval is how often the reminder planner looks for reminders whose hour has come. A reminder is
// written within this long after the user's reminder hour.
const ReminderPlanInterval = 15 * time.Minute

// ReminderPlanArgs runs the reminder planner once.
type ReminderPlanArgs struct{}

// Kind implements river.JobArgs.
func (ReminderPlanArgs) Kind() string { return KindReminderPlan }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ReminderPlanArgs) InsertOpts() river.InsertOpts { return kinds[KindReminderPlan].insertOpts() }

// reminderPlanWorker works KindReminderPlan.
type reminderPlanWorker struct {
	river.WorkerDefaults[ReminderPlanArgs]
	plan func(ctx context.Context, now time.Time) (int64, error)
	now  func() time.Time
}

// Work implements river.Worker. The planner plans for the time it runs, not the time it was scheduled: a late
// run still finds what the grace lets it catch up.
// A process without a planner completes the job without work.
func (w *reminderPlanWorker) Work(ctx context.Context, _ *river.Job[ReminderPlanArgs]) error {
	if w.plan == nil {
		return nil
	}
	_, err := w.plan(ctx, w.now())
	return err
}
