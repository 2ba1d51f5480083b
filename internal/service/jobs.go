package service

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/homekeep/homekeep/internal/push"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/trace"

	"github.com/homekeep/homekeep/internal/app/accounts"
	"github.com/homekeep/homekeep/internal/app/admin"
	"github.com/homekeep/homekeep/internal/app/filesweep"
	"github.com/homekeep/homekeep/internal/app/idempotency"
	"github.com/homekeep/homekeep/internal/app/reminders"
	"github.com/homekeep/homekeep/internal/app/store"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/jobs"
	"github.com/homekeep/homekeep/internal/mail"
	"github.com/homekeep/homekeep/internal/metrics"
	"github.com/homekeep/homekeep/internal/store/apple"
	"github.com/homekeep/homekeep/internal/store/google"
	"github.com/homekeep/homekeep/internal/telemetry"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// openJobsPool opens the pool the job workers use. It is not the API's: river holds a connection to listen
// on and polls on others, which must neither take connections from requests nor show up in the statements a
// request is measured by. Its statements are river's and the jobs', so nothing is prepared on it.
//
// With tracing on, a job's statements are spans under the job's span (river's own polling is not traced).
func openJobsPool(ctx context.Context, cfg config.Config, tracing *telemetry.Tracing) (*pgxpool.Pool, error) {
	return dbpool.New(ctx, dbpool.Options{Tracer: tracing.SQLTracer(),
		URL: cfg.DatabaseURL, MaxConns: jobs.Conns, MaxConnLifetime: cfg.DBMaxConnLifetime,
		MaxConnIdleTime: cfg.DBMaxConnIdleTime, NoSessionState: cfg.DBPooler == config.PoolerPgBouncerTransaction,
	})
}

// jobDeps is what the workers work with, besides their pool.
type jobDeps struct {
	cfg config.Config
	log *slog.Logger
	// tracing gives each job a span (linked to the request that enqueued it) and its statements and outbound
	// calls spans under it.
	tracing *telemetry.Tracing
	auth    *authcache.Cache
	files   *blobstore.Store
	// valkey is whether revocations are delivered to Valkey (VALKEY_URL is set).
	valkey bool
	// push, when not nil, replaces the configured push channels (tests).
	push []push.Channel
	// apple verifies App Store notifications again before they are applied; nil without APPLE_BUNDLE_ID.
	apple *apple.Verifier
	// google reads and acknowledges Google Play purchases; nil without GOOGLE_PLAY_PACKAGE_NAME.
	google *google.Client
	// metrics observes the jobs worked and the pushes sent; nil without metrics.
	metrics *metrics.Metrics
}

// newJobs builds the river client with Homekeep's workers on pool.
func newJobs(ctx context.Context, pool *pgxpool.Pool, d jobDeps) (*jobs.Client, error) {
	mailer, err := mail.New(mail.Options{SMTPURL: d.cfg.SMTPURL, From: d.cfg.MailFrom, Logger: d.log})
	if err != nil {
		return nil, err
	}
	sends, err := newDelivery(ctx, d.cfg, d.log, d.metrics, pool, d.push)
	if err != nil {
		return nil, err
	}
	work := jobs.Work{
		SendCode: accounts.NewCodeMailer(pool, mailer).SendCode,
		SweepFiles: func(ctx context.Context) (int, error) {
			return filesweep.CleanOrphans(ctx, pool, d.files, filesweep.OrphanAge, time.Now())
		},
		PurgeRevocations: d.auth.PurgeRecorded,
		PlanReminders: func(ctx context.Context, now time.Time) (int64, error) {
			return reminders.Plan(ctx, pool, now, d.cfg.ReminderGrace)
		},
		PurgeLedger: func(ctx context.Context, now time.Time) (int64, error) {
			n, err := reminders.Purge(ctx, pool, now, d.cfg.ReminderGrace)
			if err != nil {
				return n, err
			}
			// The daily purge also forgets expired admin tokens, which are refused anyway.
			_, err = admin.PurgeExpiredTokens(ctx, pool)
			return n, err
		},
		PurgeIdempotencyKeys: func(ctx context.Context, now time.Time) (int64, error) {
			return idempotency.Purge(ctx, pool, now)
		},
		SendNotification: sends.deliverer.Send,
		ApplyStoreEvent: func(ctx context.Context, storeName, eventID string) error {
			switch storeName {
			case "apple":
				return store.ApplyAppleEvent(ctx, pool, d.apple, eventID)
			case "google":
				return store.ApplyGoogleEvent(ctx, pool, d.google, d.log, eventID)
			}
			return fmt.Errorf("error applying a store notification: unknown store %q", storeName)
		},
		AcknowledgeGooglePurchase: func(ctx context.Context, productID, purchaseToken string) error {
			return store.AcknowledgeGooglePurchase(ctx, d.google, productID, purchaseToken)
		},
	}
	if d.valkey {
		work.DeliverRevocations = d.auth.DeliverRecorded
	}
	return jobs.New(jobs.Options{
		Pool: pool, Logger: d.log, Work: work, StopTimeout: d.cfg.ShutdownTimeout,
		PollOnly: d.cfg.DBPooler == config.PoolerPgBouncerTransaction, TracerProvider: jobTracerProvider(d.tracing),
		Middleware: jobMiddleware(d.metrics),
	})
}

// jobRunner is the job workers running in `homekeep serve`, on a pool of their own.
type jobRunner struct {
	pool   *pgxpool.Pool
	client *jobs.Client
	log    *slog.Logger
}

// startJobs opens the workers' pool and starts them. The schema must be migrated.
func startJobs(ctx context.Context, d jobDeps) (*jobRunner, error) {
	pool, err := openJobsPool(ctx, d.cfg, d.tracing)
	if err != nil {
		return nil, err
	}
	d.metrics.WatchPool("jobs", pool)
	client, err := newJobs(ctx, pool, d)
	if err == nil {
		err = client.Start(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &jobRunner{pool: pool, client: client, log: d.log}, nil
}

// stop stops fetching, lets the running jobs finish within SHUTDOWN_TIMEOUT, and closes the pool.
func (r *jobRunner) stop(ctx context.Context) {
	if err := r.client.Stop(ctx); err != nil {
		r.log.Warn("job workers did not stop cleanly; unfinished jobs will be retried", "error", err)
	}
	r.pool.Close()
}

// WorkerOptions configures RunWorker.
type WorkerOptions struct {
	Config config.Config
	Logger *slog.Logger
	// Migrate applies pending migrations before the workers start (worker without --no-migrate).
	Migrate bool
	// OnReady is called once the workers run.
	OnReady func()
	// PushChannels, when not nil, replaces the push channels the configuration turns on (tests).
	PushChannels []push.Channel
	// AppleRoots, when not nil, replaces Apple's pinned root certificate (tests).
	AppleRoots *x509.CertPool
	// Google, when not nil, replaces Google's servers (tests).
	Google *GoogleEndpoints
	// TracerProvider, when set, records the worker's spans instead of what OTEL_EXPORTER_OTLP_ENDPOINT
	// configures (tests).
	TracerProvider trace.TracerProvider
	// Hurry, when it closes while the worker stops (cmd/homekeep: a second SIGINT or SIGTERM), cancels the
	// running jobs at once instead of at SHUTDOWN_TIMEOUT; they go back to the queue.
	Hurry <-chan struct{}
}

// RunWorker runs the job workers alone, without the API, until ctx is cancelled (`homekeep worker`): it
// opens its pool and, with VALKEY_URL, the Valkey connection that revocations are delivered over, migrates
// when asked, and works jobs. On shutdown it stops fetching at once and lets running jobs finish within
// SHUTDOWN_TIMEOUT.
func RunWorker(ctx context.Context, o WorkerOptions) error {
	cfg, log := o.Config, o.Logger
	if cfg.DatabaseURL == "" {
		return errNoDatabaseURL
	}
	tracing, log, flushTraces, err := startTracing(ctx, o.TracerProvider, log)
	if err != nil {
		return err
	}
	defer flushTraces()
	pool, err := openJobsPool(ctx, cfg, tracing)
	if err != nil {
		return err
	}
	defer pool.Close()
	mx := workerMetrics(cfg)
	mx.WatchPool("jobs", pool)
	stopMetrics, err := serveWorkerMetrics(ctx, cfg, mx, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if o.Migrate {
		if _, err := migrateAndSeed(ctx, cfg, pool, log); err != nil {
			return dbpool.Explain(err)
		}
	} else if err := pool.Ping(ctx); err != nil {
		return dbpool.Explain(err)
	}

	var shared *valkeyconn.Conn
	if cfg.ValkeyURL != "" {
		if shared, err = valkeyconn.Connect(ctx, cfg.ValkeyURL, log, valkeyconn.WithCallTimeout(cfg.ValkeyTimeout),
			valkeyconn.WithTracerProvider(jobTracerProvider(tracing))); err != nil {
			return err
		}
		defer shared.Close()
	}
	// The cache is only the way revocations reach Valkey here: its user tiers stay empty.
	auth, err := authcache.New(authcache.Options{
		Shared: shared, KeyPrefix: cfg.CacheKeyPrefix, TokenTTL: cfg.TokenCacheTTL, UserTTL: cfg.UserCacheTTL,
		UserCacheSize: 1, Logger: log, Tombstones: accounts.NewTombstoneStore(pool),
	})
	if err != nil {
		return err
	}
	defer auth.Close()
	auth.Start(ctx)
	files, err := blobstore.Open(ctx, cfg.FileStorageURL)
	if err != nil {
		return fmt.Errorf("FILE_STORAGE_URL: %w", err)
	}
	defer func() {
		if err := files.Close(); err != nil {
			log.Warn("error closing file storage", "error", err)
		}
	}()

	appleVerifier, err := newAppleVerifier(cfg.Apple, o.AppleRoots)
	if err != nil {
		return err
	}
	googleStore, err := newGoogleStore(cfg.Google, o.Google)
	if err != nil {
		return err
	}
	client, err := newJobs(ctx, pool, jobDeps{cfg: cfg, log: log, tracing: tracing, auth: auth, files: files, valkey: shared != nil,
		push: o.PushChannels, apple: appleVerifier, google: googleStore.client, metrics: mx})
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return err
	}
	log.Info("worker ready", "queues", []string{jobs.QueueEmail, jobs.QueueMaintenance})
	if o.OnReady != nil {
		o.OnReady()
	}
	<-ctx.Done()
	log.Info("worker stopping: no new jobs are fetched; running ones finish", "within", cfg.ShutdownTimeout)
	stopped := make(chan error, 1)
	go func() { stopped <- client.Stop(ctx) }()
	select {
	case err = <-stopped:
	case <-o.Hurry:
		log.Info("second signal: cancelling the running jobs now; they go back to the queue")
		err = errors.Join(client.StopNow(ctx), <-stopped)
	}
	if err != nil {
		log.Warn("job workers did not stop cleanly; unfinished jobs will be retried", "error", err)
	}
	return nil
}
