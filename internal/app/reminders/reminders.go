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
