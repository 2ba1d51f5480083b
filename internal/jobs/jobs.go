// Package jobs runs Homekeep's background work on river, a job queue kept in PostgreSQL (river_job), so
// nothing new has to run beside the database and a job outlives the process that queued it.
//
// # Kinds
//
// Each kind of job (kinds.go) has its queue, its number of attempts and a retry schedule measured in
// minutes to hours. Work that follows a change (the email with an account code) is inserted by the
// statement that makes the change (see SQLInsert): a change that fails or is rolled back enqueues nothing,
// and one that commits is worked at least once, by whichever process runs workers. Work that recurs (the
// orphan-file sweep, the delivery of recorded revocations to Valkey) is a river periodic job: the elected
// leader among the running clients inserts it, one job per period, so one process at a time does it.
//
// # Processes
//
// Client runs the workers of a process: `homekeep serve` starts one unless WORKERS=false, and `homekeep
// worker` runs one alone, so the API and the workers scale separately. A process without a Client still
// inserts jobs (they are rows); it just works none. Stop stops fetching and lets running jobs finish within
// the stop timeout (SHUTDOWN_TIMEOUT) before cancelling them; a job cut short goes back to the queue.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"
	"go.opentelemetry.io/otel/trace"

	"github.com/homekeep/homekeep/internal/mail"
)

// Periods of the periodic kinds.
const (
	// FileSweepInterval is how often orphaned document files are looked for.
	FileSweepInterval = time.Hour
	// RevocationDeliveryInterval is how often revocations recorded by any process are delivered to Valkey. It
	// only matters when the process that revoked could not write the tombstones and died before Valkey
	// answered it again: a process whose Valkey connection broke delivers as soon as it is back, before it
	// uses its user cache again (package authcache). With nothing recorded a delivery is one cheap statement.
	RevocationDeliveryInterval = 30 * time.Second
	// RevocationPurgeInterval is how often, without Valkey, recorded revocations older than the token TTL are
	// forgotten.
	RevocationPurgeInterval = time.Hour
)

// Workers per queue in one process.
const (
	emailWorkers        = 4
	notificationWorkers = 4
	maintenanceWorkers  = 1
)

// Conns is how many PostgreSQL connections a Client's pool needs: one per worker, the one river listens
// for insert notifications on, and one for its producers, leader election and maintenance.
const Conns = emailWorkers + notificationWorkers + maintenanceWorkers + 2

// Work is what the workers do, one function per kind. Each is given the job's context, which Stop cancels
// after the stop timeout.
type Work struct {
	// SendCode issues an account code (purpose "verify" or "reset") for the user and emails it; it returns
	// nil without sending when there is nothing to send any more (the account is gone, say). An error that
	// mail.Permanent reports (the server rejected the recipient) is not retried.
	SendCode func(ctx context.Context, userID int64, purpose string) error
	// SweepFiles deletes orphaned document files and returns how many.
	SweepFiles func(ctx context.Context) (int, error)
	// DeliverRevocations writes the recorded revocations to Valkey; nil without Valkey.
	DeliverRevocations func(ctx context.Context) error
	// PurgeRevocations forgets recorded revocations nothing can contradict any more; used without Valkey.
	PurgeRevocations func(ctx context.Context) error
	// PlanReminders writes the reminders due at now (reminders.Plan with the pool and REMINDER_GRACE); nil
	// runs no planner.
	PlanReminders func(ctx context.Context, now time.Time) (int64, error)
	// PurgeLedger forgets the planned reminders that no planner run at now can reach any more
	// (reminders.Purge); nil runs no purge.
	PurgeLedger func(ctx context.Context, now time.Time) (int64, error)
	// PurgeIdempotencyKeys deletes the idempotency keys that expired before now (idempotency.Purge); nil
	// runs no purge.
	PurgeIdempotencyKeys func(ctx context.Context, now time.Time) (int64, error)
	// SendNotification delivers one notification by push and email (delivery.Deliverer.Send); attempt is the
	// job's, from 1.
	SendNotification func(ctx context.Context, notificationID int64, attempt int) error
	// ApplyStoreEvent applies the recorded store notification eventID of store (store.ApplyAppleEvent); an
	// event already applied changes nothing.
	ApplyStoreEvent func(ctx context.Context, store, eventID string) error
	// AcknowledgeGooglePurchase acknowledges a Google Play purchase (store.AcknowledgeGooglePurchase); one
	// acknowledged before changes nothing.
	AcknowledgeGooglePurchase func(ctx context.Context, productID, purchaseToken string) error
}

// Options configures New.
type Options struct {
	// Pool is the connection pool the client fetches, completes and inserts through (Conns connections).
	Pool   *pgxpool.Pool
	Logger *slog.Logger
	Work   Work
	// PollOnly makes the client poll for new jobs instead of listening for river's insert notifications:
	// behind a transaction-mode pooler a LISTEN does not hold.
	PollOnly bool
	// StopTimeout is how long Stop lets running jobs finish before cancelling them (SHUTDOWN_TIMEOUT).
	StopTimeout time.Duration
	// Now is the clock the reminder planner plans for; nil means time.Now. Tests set it.
	Now func() time.Time
	// FetchPollInterval is how often each queue looks for jobs that came without a notification; zero means
	// river's default (a second). Tests lengthen it to show that notifications wake the workers.
	FetchPollInterval time.Duration
	// TracerProvider, when set, gives every job worked a span (river's otelriver middleware) that links to
	// the trace of whatever enqueued it, when the job's metadata carries a traceparent (telemetry.JobMetadata
	// writes it); nil adds no middleware.
	TracerProvider trace.TracerProvider
	// Middleware is more worker middleware, run inside the tracing (the metrics' job observer).
	Middleware []rivertype.Middleware
}

// Client is a running river client with Homekeep's workers and periodic jobs.
type Client struct {
	river       *river.Client[pgx.Tx]
	stopTimeout time.Duration
	log         *slog.Logger
}

// New builds the client; Start starts it.
func New(o Options) (*Client, error) {
	if o.Work.SendCode == nil || o.Work.SweepFiles == nil || o.Work.PurgeRevocations == nil {
		return nil, errors.New("error building the job client: Work needs SendCode, SweepFiles and PurgeRevocations")
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &emailCodeWorker{send: o.Work.SendCode})
	river.AddWorker(workers, &fileSweepWorker{sweep: o.Work.SweepFiles, log: o.Logger})
	river.AddWorker(workers, &revocationDeliveryWorker{deliver: o.Work.DeliverRevocations})
	river.AddWorker(workers, &revocationPurgeWorker{purge: o.Work.PurgeRevocations})
	now := o.Now
	if now == nil {
		now = time.Now
	}
	river.AddWorker(workers, &reminderPlanWorker{plan: o.Work.PlanReminders, now: now})
	river.AddWorker(workers, &ledgerPurgeWorker{purge: o.Work.PurgeLedger, now: now})
	river.AddWorker(workers, &idempotencyPurgeWorker{purge: o.Work.PurgeIdempotencyKeys, now: now})
	river.AddWorker(workers, &notificationSendWorker{send: o.Work.SendNotification})
	river.AddWorker(workers, &storeEventWorker{apply: o.Work.ApplyStoreEvent})
	river.AddWorker(workers, &googleAcknowledgeWorker{acknowledge: o.Work.AcknowledgeGooglePurchase})

	var middleware []rivertype.Middleware
	if o.TracerProvider != nil {
		middleware = append(middleware, otelriver.NewMiddleware(&otelriver.MiddlewareConfig{
			TracerProvider: o.TracerProvider, EnableTracePropagation: true, EnableWorkSpanJobKindSuffix: true,
		}))
	}
	c, err := river.NewClient(riverpgxv5.New(o.Pool), &river.Config{
		Middleware: append(middleware, o.Middleware...),
		Queues: map[string]river.QueueConfig{
			QueueEmail:        {MaxWorkers: emailWorkers},
			QueueNotification: {MaxWorkers: notificationWorkers},
			QueueMaintenance:  {MaxWorkers: maintenanceWorkers},
		},
		Workers: workers,
		PeriodicJobs: append(periodicJobs(o.Work.DeliverRevocations != nil, o.Work.PlanReminders != nil, o.Work.PurgeLedger != nil),
			idempotencyPurgeJobs(o.Work.PurgeIdempotencyKeys != nil)...),
		RetryPolicy:       retryPolicy{},
		PollOnly:          o.PollOnly,
		FetchPollInterval: o.FetchPollInterval,
		SoftStopTimeout:   o.StopTimeout,
		// River's own log is chatty at info level (every start, stop and leadership change); its warnings and
		// errors are worth the operator's attention.
		Logger: slog.New(minLevel{o.Logger.Handler(), slog.LevelWarn}),
	})
	if err != nil {
		return nil, fmt.Errorf("error building the job client: %w", err)
	}
	return &Client{river: c, stopTimeout: o.StopTimeout, log: o.Logger}, nil
}

// Start starts fetching and working jobs, and, on the process elected leader, inserting the periodic ones.
// It returns at once; the client runs until Stop.
func (c *Client) Start(ctx context.Context) error {
	if err := c.river.Start(ctx); err != nil {
		return fmt.Errorf("error starting the job workers: %w", err)
	}
	return nil
}

// stopGrace is how long Stop waits, after the stop timeout cancelled the jobs still running, for them to
// return: a job that ignores its context is left behind (river's rescuer retries it later).
const stopGrace = 5 * time.Second

// Stop stops fetching jobs at once, lets the running ones finish for up to the stop timeout, then cancels
// their contexts and waits a little longer for them to return. A job cut short goes back to the queue, for
// any process to run again. Stop does not depend on ctx being alive: shutdown usually starts with it cancelled.
func (c *Client) Stop(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.stopTimeout+stopGrace)
	defer cancel()
	if err := c.river.Stop(sctx); err != nil {
		return fmt.Errorf("error stopping the job workers: %w", err)
	}
	return nil
}

// StopNow cancels the running jobs at once rather than at the stop timeout (the operator's second signal,
// while Stop waits), and waits a little for them to return; each job cut short goes back to the queue, as at
// the timeout. Like Stop it does not depend on ctx being alive.
func (c *Client) StopNow(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopGrace)
	defer cancel()
	if err := c.river.StopAndCancel(sctx); err != nil {
		return fmt.Errorf("error cancelling the running jobs: %w", err)
	}
	return nil
}

// periodicJobs are the recurring kinds. Only the leader inserts them, so however many processes run workers,
// each period yields one job, worked by one of them.
func periodicJobs(valkey, reminders, ledgerPurge bool) []*river.PeriodicJob {
	// While a job of the kind waits or runs, the next period's is not inserted: a slow pass never runs twice
	// at once, and a queue that fell behind does not pile up passes.
	unfinished := &river.UniqueOpts{ByState: []rivertype.JobState{rivertype.JobStateAvailable,
		rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}}
	jobs := []*river.PeriodicJob{
		// Run when a process becomes leader (after a deploy, say), but at most once per clock hour: the
		// completed job of the hour keeps a new leader from running another.
		river.NewPeriodicJob(river.PeriodicInterval(FileSweepInterval), func() (river.JobArgs, *river.InsertOpts) {
			opts := FileSweepArgs{}.InsertOpts()
			opts.UniqueOpts = river.UniqueOpts{ByPeriod: FileSweepInterval}
			return FileSweepArgs{}, &opts
		}, &river.PeriodicJobOpts{ID: KindFileSweep, RunOnStart: true}),
	}
	if valkey {
		// Each process delivers what is recorded before it takes traffic (authcache.Start), so the first
		// periodic delivery can wait for its period.
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(RevocationDeliveryInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				opts := RevocationDeliveryArgs{}.InsertOpts()
				opts.UniqueOpts = *unfinished
				return RevocationDeliveryArgs{}, &opts
			}, &river.PeriodicJobOpts{ID: KindRevocationDelivery}))
	} else {
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(RevocationPurgeInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				opts := RevocationPurgeArgs{}.InsertOpts()
				opts.UniqueOpts = river.UniqueOpts{ByPeriod: RevocationPurgeInterval}
				return RevocationPurgeArgs{}, &opts
			}, &river.PeriodicJobOpts{ID: KindRevocationPurge, RunOnStart: true}))
	}
	if reminders {
		// Run when a process becomes leader, so reminders missed while none ran are caught up at once (within
		// the grace), and at most once per period; the ledger keeps two runs from writing a reminder twice.
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(ReminderPlanInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				opts := ReminderPlanArgs{}.InsertOpts()
				opts.UniqueOpts = river.UniqueOpts{ByPeriod: ReminderPlanInterval}
				return ReminderPlanArgs{}, &opts
			}, &river.PeriodicJobOpts{ID: KindReminderPlan, RunOnStart: true}))
	}
	if ledgerPurge {
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(LedgerPurgeInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				opts := LedgerPurgeArgs{}.InsertOpts()
				opts.UniqueOpts = river.UniqueOpts{ByPeriod: LedgerPurgeInterval}
				return LedgerPurgeArgs{}, &opts
			}, &river.PeriodicJobOpts{ID: KindLedgerPurge, RunOnStart: true}))
	}
	return jobs
}

// emailCodeWorker works KindEmailCode.
type emailCodeWorker struct {
	river.WorkerDefaults[EmailCodeArgs]
	send func(ctx context.Context, userID int64, purpose string) error
}

// Work implements river.Worker. A recipient the server rejects for good is not retried.
func (w *emailCodeWorker) Work(ctx context.Context, job *river.Job[EmailCodeArgs]) error {
	err := w.send(ctx, job.Args.UserID, job.Args.Purpose)
	if mail.Permanent(err) {
		return river.JobCancel(err)
	}
	return err
}

// fileSweepWorker works KindFileSweep.
type fileSweepWorker struct {
	river.WorkerDefaults[FileSweepArgs]
	sweep func(ctx context.Context) (int, error)
	log   *slog.Logger
}

// fileSweepTimeout bounds one sweep: listing a large bucket takes a while, far less than an hour.
const fileSweepTimeout = 30 * time.Minute

// Timeout implements river.Worker.
func (w *fileSweepWorker) Timeout(*river.Job[FileSweepArgs]) time.Duration { return fileSweepTimeout }

// Work implements river.Worker.
func (w *fileSweepWorker) Work(ctx context.Context, _ *river.Job[FileSweepArgs]) error {
	n, err := w.sweep(ctx)
	if n > 0 {
		w.log.InfoContext(ctx, "orphaned files deleted", "count", n)
	}
	return err
}

// revocationDeliveryWorker works KindRevocationDelivery.
type revocationDeliveryWorker struct {
	river.WorkerDefaults[RevocationDeliveryArgs]
	deliver func(ctx context.Context) error
}

// Work implements river.Worker. A process without Valkey has nothing to deliver to; its job completes
// without work (it only runs one when a process with Valkey inserted it).
func (w *revocationDeliveryWorker) Work(ctx context.Context, _ *river.Job[RevocationDeliveryArgs]) error {
	if w.deliver == nil {
		return nil
	}
	return w.deliver(ctx)
}

// revocationPurgeWorker works KindRevocationPurge.
type revocationPurgeWorker struct {
	river.WorkerDefaults[RevocationPurgeArgs]
	purge func(ctx context.Context) error
}

// Work implements river.Worker.
func (w *revocationPurgeWorker) Work(ctx context.Context, _ *river.Job[RevocationPurgeArgs]) error {
	return w.purge(ctx)
}

// minLevel drops records below its level.
type minLevel struct {
	slog.Handler
	level slog.Level
}

// Enabled implements slog.Handler.
func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

// WithAttrs implements slog.Handler.
func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.level}
}

// WithGroup implements slog.Handler.
func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.level}
}
