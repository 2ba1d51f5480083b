package jobs

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Queues. Each kind belongs to one; a process works each queue with its own number of workers.
const (
	// QueueEmail holds the account emails: a few at once, since each waits on the SMTP server.
	QueueEmail = "email"
	// QueueNotification holds the deliveries of notifications by push and email.
	QueueNotification = "notification"
	// QueueMaintenance holds the periodic passes (the orphan-file sweep, revocation delivery), one at a time.
	QueueMaintenance = "maintenance"
)

// Job kinds, as stored in river_job.kind.
const (
	// KindEmailCode issues an account code (verification or password reset) and emails it.
	KindEmailCode = "email_code"
	// KindFileSweep deletes document files that no document names (package filesweep).
	KindFileSweep = "file_sweep"
	// KindNotificationSend delivers one notification by push and email (package delivery). The statement that
	// writes the feed row inserts it (the notifications_enqueue_delivery trigger, db/migrations).
	KindNotificationSend = "notification_send"
	// KindLedgerPurge forgets planned reminders no planner run can reach any more.
	KindLedgerPurge = "ledger_purge"
	// KindReminderPlan writes the feed rows of the reminders whose hour has come (package reminders).
	KindReminderPlan = "reminder_plan"
	// KindRevocationDelivery writes the revocations recorded in token_tombstones to Valkey.
	KindRevocationDelivery = "revocation_delivery"
	// KindRevocationPurge forgets recorded revocations older than the token TTL, when there is no Valkey.
	KindRevocationPurge = "revocation_purge"
	// KindStoreEvent applies one recorded store notification (package store). The statement that records the
	// notification inserts it (StoreEventRecord, db/queries/store.sql).
	KindStoreEvent = "store_event"
	// KindIdempotencyPurge deletes the idempotency keys older than 24 hours (package idempotency).
	KindIdempotencyPurge = "idempotency_purge"
	// KindGoogleAcknowledge acknowledges one Google Play purchase (package store). The statement that applies
	// a purchase Play still wants acknowledged inserts it (StorePurchaseApply, db/queries/store.sql).
	KindGoogleAcknowledge = "google_acknowledge"
)

// kind is how one kind of job is queued and retried. Retries back off from first, doubling up to max, so a
// kind's whole retry schedule spans minutes to hours, never river's default of weeks: work that follows a
// request is worth doing soon or not at all, and the periodic kinds run again at their next period anyway.
type kind struct {
	queue       string
	maxAttempts int
	first, max  time.Duration
}

// kinds is every kind's policy; each worker's kind must be listed (TestEveryKindHasAPolicy).
var kinds = map[string]kind{
	// 30 s, 1, 2, 4, 8, 16 and then 30 min: ten attempts over about two hours. Each attempt issues a fresh code
	// (valid 15 minutes from its own sending), so a late email still carries a live code.
	KindEmailCode: {queue: QueueEmail, maxAttempts: 10, first: 30 * time.Second, max: 30 * time.Minute},
	// 1, 2, 4, ... 32 min, then hourly: ten attempts over about four hours, so a push service's outage of an
	// hour or two delays a notification instead of losing it. An attempt sends only what earlier ones did not
	// (the delivery log).
	KindNotificationSend: {queue: QueueNotification, maxAttempts: 10, first: time.Minute, max: time.Hour},
	// Runs daily: two more tries within the hour.
	KindLedgerPurge: {queue: QueueMaintenance, maxAttempts: 3, first: 5 * time.Minute, max: 15 * time.Minute},
	// Runs hourly: two more tries within the hour, then the next period's job.
	KindFileSweep: {queue: QueueMaintenance, maxAttempts: 3, first: 5 * time.Minute, max: 15 * time.Minute},
	// Runs every 15 min: two more tries within the period, then the next period's job.
	KindReminderPlan: {queue: QueueMaintenance, maxAttempts: 3, first: time.Minute, max: 4 * time.Minute},
	// Runs every 30 s: a failed delivery is tried again after 2, 4 and 8 s (authcache's redelivery pace).
	KindRevocationDelivery: {queue: QueueMaintenance, maxAttempts: 4, first: 2 * time.Second, max: 8 * time.Second},
	KindRevocationPurge:    {queue: QueueMaintenance, maxAttempts: 3, first: 5 * time.Minute, max: 15 * time.Minute},
	// Runs hourly: two more tries within the hour.
	KindIdempotencyPurge: {queue: QueueMaintenance, maxAttempts: 3, first: 5 * time.Minute, max: 15 * time.Minute},
	// 30 s, 1, 2, 4, 8, 16 and then 30 min: ten attempts over about two hours. Apple stops retrying once it
	// is answered, so a notification recorded here is applied by this schedule or not at all; each attempt
	// applies it at most once (the event is marked applied in the statement that applies it).
	KindStoreEvent: {queue: QueueMaintenance, maxAttempts: 10, first: 30 * time.Second, max: 30 * time.Minute},
	// 1, 2, 4, 8, 16, 32 and then 60 min: ten attempts over about four hours. Play refunds a purchase not
	// acknowledged within three days, and the next purchase post or notification of the purchase queues
	// another; each attempt reads the purchase first and does nothing when it is acknowledged.
	KindGoogleAcknowledge: {queue: QueueMaintenance, maxAttempts: 10, first: time.Minute, max: time.Hour},
}

// backoff is how long after a failed attempt (1 for the first) the next one runs.
func (k kind) backoff(attempt int) time.Duration {
	d := k.first
	for i := 1; i < attempt && d < k.max; i++ {
		d *= 2
	}
	return min(d, k.max)
}

// schedule is how long the kind's retries take in all, from the first failure to the last attempt.
func (k kind) schedule() time.Duration {
	var total time.Duration
	for attempt := 1; attempt < k.maxAttempts; attempt++ {
		total += k.backoff(attempt)
	}
	return total
}

// insertOpts are the options river inserts a job of this kind with.
func (k kind) insertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: k.queue, MaxAttempts: k.maxAttempts}
}

// retryPolicy is the client's retry policy: each kind's backoff (kinds), and for a kind without one (none
// should exist) a minute.
type retryPolicy struct{}

// NextRetry implements river.ClientRetryPolicy.
func (retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	k, ok := kinds[job.Kind]
	if !ok {
		return time.Now().Add(time.Minute)
	}
	return time.Now().Add(k.backoff(max(job.Attempt, 1)))
}

// SQLInsert is what a statement that inserts a job itself writes into river_job besides the args. Work that
// follows a change is inserted by the statement that makes the change (a data-modifying WITH clause in
// db/queries), so it costs no round trip and no transaction of its own, commits with the change and is
// rolled back with it; river's InsertTx would need a transaction and a round trip of its own.
type SQLInsert struct {
	Kind        string
	Queue       string
	MaxAttempts int16
}

// EmailCodeInsert is the job of EmailCodeArgs, for the statements that ask for an account code.
var EmailCodeInsert = sqlInsert(KindEmailCode)

// StoreEventInsert is the job of StoreEventArgs, for the statement that records a store notification.
var StoreEventInsert = sqlInsert(KindStoreEvent)

// GoogleAcknowledgeInsert is the job of GoogleAcknowledgeArgs, for the statement that applies a purchase.
var GoogleAcknowledgeInsert = sqlInsert(KindGoogleAcknowledge)

func sqlInsert(name string) SQLInsert {
	k := kinds[name]
	return SQLInsert{Kind: name, Queue: k.queue, MaxAttempts: int16(k.maxAttempts)} //nolint:gosec // G115: a handful
}

// EmailCodeArgs asks for an account code to be issued and emailed. The code is issued by the job, not by the
// request: the database never holds a code in clear, and an email sent late still carries a live code.
// The statements in db/queries build these args in SQL (jsonb_build_object), so the JSON names are theirs.
type EmailCodeArgs struct {
	UserID int64 `json:"user_id"`
	// Purpose is "verify" or "reset".
	Purpose string `json:"purpose"`
}

// Kind implements river.JobArgs.
func (EmailCodeArgs) Kind() string { return KindEmailCode }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (EmailCodeArgs) InsertOpts() river.InsertOpts { return kinds[KindEmailCode].insertOpts() }

// FileSweepArgs runs one orphan-file sweep.
type FileSweepArgs struct{}

// Kind implements river.JobArgs.
func (FileSweepArgs) Kind() string { return KindFileSweep }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (FileSweepArgs) InsertOpts() river.InsertOpts { return kinds[KindFileSweep].insertOpts() }

// RevocationDeliveryArgs runs one delivery of recorded revocations to Valkey.
type RevocationDeliveryArgs struct{}

// Kind implements river.JobArgs.
func (RevocationDeliveryArgs) Kind() string { return KindRevocationDelivery }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (RevocationDeliveryArgs) InsertOpts() river.InsertOpts {
	return kinds[KindRevocationDelivery].insertOpts()
}

// RevocationPurgeArgs forgets old recorded revocations once.
type RevocationPurgeArgs struct{}

// Kind implements river.JobArgs.
func (RevocationPurgeArgs) Kind() string { return KindRevocationPurge }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (RevocationPurgeArgs) InsertOpts() river.InsertOpts {
	return kinds[KindRevocationPurge].insertOpts()
}
