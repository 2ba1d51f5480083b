package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
)

// LedgerPurgeInterval is how often planned reminders that no planner run can reach any more are forgotten.
const LedgerPurgeInterval = 24 * time.Hour

// NotificationSendArgs delivers one notification. The notifications_enqueue_delivery trigger builds these
// args in SQL (jsonb_build_object), so the JSON name is its.
type NotificationSendArgs struct {
	NotificationID int64 `json:"notification_id"`
}

// Kind implements river.JobArgs.
func (NotificationSendArgs) Kind() string { return KindNotificationSend }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (NotificationSendArgs) InsertOpts() river.InsertOpts {
	return kinds[KindNotificationSend].insertOpts()
}

// notificationSendWorker works KindNotificationSend.
type notificationSendWorker struct {
	river.WorkerDefaults[NotificationSendArgs]
	send func(ctx context.Context, notificationID int64, attempt int) error
}

// Work implements river.Worker. Each attempt sends what earlier attempts did not; an error is retried on the
// kind's schedule. When a push service said how long to wait (an error with a RetryAfter method: Retry-After,
// or a channel whose circuit breaker is open), the job is snoozed that long instead (at least the kind's
// backoff, at most an hour), which river does not count as an attempt; snoozing stops once the job is as old
// as the kind's whole retry schedule, so a provider that keeps asking to wait cannot hold a job forever. A
// process built without a sender (Work.SendNotification nil) fails the attempt, so a process that can send
// takes the job on its retry.
func (w *notificationSendWorker) Work(ctx context.Context, job *river.Job[NotificationSendArgs]) error {
	if w.send == nil {
		return errors.New("this process has no notification sender")
	}
	err := w.send(ctx, job.Args.NotificationID, job.Attempt)
	if d, ok := snoozeFor(err, job.Attempt, time.Since(job.CreatedAt)); ok {
		return river.JobSnooze(d)
	}
	return err
}

// snoozeFor is how long to snooze a notification_send job whose attempt failed with err, after age; false
// when the job should take the normal retry (or complete).
func snoozeFor(err error, attempt int, age time.Duration) (time.Duration, bool) {
	var wait interface{ RetryAfter() time.Duration }
	if !errors.As(err, &wait) || wait.RetryAfter() <= 0 {
		return 0, false
	}
	k := kinds[KindNotificationSend]
	if age >= k.schedule() {
		return 0, false
	}
	return min(max(wait.RetryAfter(), k.backoff(max(attempt, 1))), time.Hour), true
}

// LedgerPurgeArgs forgets old planned reminders once.
type LedgerPurgeArgs struct{}

// Kind implements river.JobArgs.
func (LedgerPurgeArgs) Kind() string { return KindLedgerPurge }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (LedgerPurgeArgs) InsertOpts() river.InsertOpts { return kinds[KindLedgerPurge].insertOpts() }

// ledgerPurgeWorker works KindLedgerPurge.
type ledgerPurgeWorker struct {
	river.WorkerDefaults[LedgerPurgeArgs]
	purge func(ctx context.Context, now time.Time) (int64, error)
	now   func() time.Time
}

// Work implements river.Worker. A process without a purge completes the job without work.
func (w *ledgerPurgeWorker) Work(ctx context.Context, _ *river.Job[LedgerPurgeArgs]) error {
	if w.purge == nil {
		return nil
	}
	_, err := w.purge(ctx, w.now())
	return err
}
