package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// ReminderPlanInterval is how often the reminder planner looks for reminders whose hour has come. A reminder is
// written within this long after the user's reminder hour.
const ReminderPlanInterval = 15 * time.Minute

// ReminderGraceDefault is how long after its hour a reminder missed while no planner ran (everything was down)
// is still written; after it, the reminder is dropped, since a reminder that comes a day late misleads more than
// it helps (REMINDER_GRACE).
const ReminderGraceDefault = 12 * time.Hour

// PlanReminders writes the feed rows of the reminders due at now (tasks due tomorrow, overdue since yesterday,
// warranties expiring in 30, 7 and 1 days; see NotificationLedgerPlanReminders in db/queries), for each user
// whose local reminder hour came within (now - grace, now], and returns how many it wrote. The ledger remembers
// each reminder, so any number of runs, at once or one after the other, write each reminder once.
func PlanReminders(ctx context.Context, db dbsqlc.DBTX, now time.Time, grace time.Duration) (int64, error) {
	n, err := dbsqlc.New().NotificationLedgerPlanReminders(ctx, db, &dbsqlc.NotificationLedgerPlanRemindersParams{
		Now: now, GraceSeconds: int64(grace / time.Second),
	})
	if err != nil {
		return 0, fmt.Errorf("error planning reminders: %w", err)
	}
	return n, nil
}

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
