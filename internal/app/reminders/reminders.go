// Package reminders plans the reminders of issue 13: tasks due tomorrow, tasks overdue since yesterday and
// warranties expiring in 30, 7 and 1 days, each written to its users' feeds once, at their local reminder hour.
// The periodic job that runs it is in package jobs (KindReminderPlan); this package is its data access.
package reminders

import (
	"context"
	"fmt"
	"time"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// GraceDefault is how long after its hour a reminder missed while no planner ran (everything was down) is
// still written; after it, the reminder is dropped, since a reminder that comes a day late misleads more than
// it helps (REMINDER_GRACE).
const GraceDefault = 12 * time.Hour

// PlanSQL is the statement Plan runs, for the bench to explain at scale.
const PlanSQL = dbsqlc.NotificationLedgerPlanReminders

// Plan writes the feed rows of the reminders due at now (NotificationLedgerPlanReminders in db/queries), for
// each user whose local reminder hour came within (now - grace, now], and returns how many it wrote. The
// ledger remembers each reminder, so any number of runs, at once or one after the other, write each once.
func Plan(ctx context.Context, db dbsqlc.DBTX, now time.Time, grace time.Duration) (int64, error) {
	n, err := dbsqlc.New().NotificationLedgerPlanReminders(ctx, db, &dbsqlc.NotificationLedgerPlanRemindersParams{
		Now: now, GraceSeconds: int64(grace / time.Second),
	})
	if err != nil {
		return 0, fmt.Errorf("error planning reminders: %w", err)
	}
	return n, nil
}

// Purge forgets the planned reminders that no run of Plan at now or later can plan again, and returns how
// many. A run plans the local days whose reminder hour fell within (now - grace, now]; a local day is at most
// a day before the UTC date, and a reminder's occurrence at most a day before its day (overdue), so nothing
// before the UTC date of now - grace, less three days, is reachable.
func Purge(ctx context.Context, db dbsqlc.DBTX, now time.Time, grace time.Duration) (int64, error) {
	y, m, d := now.Add(-grace).UTC().Date()
	before := time.Date(y, m, d-3, 0, 0, 0, 0, time.UTC)
	n, err := dbsqlc.New().NotificationLedgerPurge(ctx, db, before)
	if err != nil {
		return 0, fmt.Errorf("error purging the reminder ledger: %w", err)
	}
	return n, nil
}
