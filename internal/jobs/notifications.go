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
// kind's schedule. A process built without a sender (Work.SendNotification nil) fails the attempt, so a
// process that can send takes the job on its retry.
func (w *notificationSendWorker) Work(ctx context.Context, job *river.Job[NotificationSendArgs]) error {
	if w.send == nil {
		return errors.New("this process has no notification sender")
	}
	return w.send(ctx, job.Args.NotificationID, job.Attempt)
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
