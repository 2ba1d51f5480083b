// Package service runs one Homekeep process: the API (Run), which opens the database pool and the shared
// cache, applies migrations, warms the pool, serves HTTP and, unless WORKERS=false, runs the job workers
// until its context ends, then stops fetching jobs, drains requests and running jobs, and closes the pools in
// that order; or the job workers alone (RunWorker). cmd/homekeep calls it; tests call it to run real
// instances on random ports.
package service

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/homekeep/homekeep/internal/app/subscriptions"
	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/endpoint"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/trace"

	"github.com/homekeep/homekeep/internal/accesscache"
	"github.com/homekeep/homekeep/internal/adminweb"
	"github.com/homekeep/homekeep/internal/apidocs"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/accounts"
	"github.com/homekeep/homekeep/internal/app/admin"
	"github.com/homekeep/homekeep/internal/app/api"
	"github.com/homekeep/homekeep/internal/app/contractors"
	"github.com/homekeep/homekeep/internal/app/documents"
	"github.com/homekeep/homekeep/internal/app/idempotency"
	"github.com/homekeep/homekeep/internal/app/notifications"
	"github.com/homekeep/homekeep/internal/app/reference"
	"github.com/homekeep/homekeep/internal/app/residences"
	"github.com/homekeep/homekeep/internal/app/seed"
	"github.com/homekeep/homekeep/internal/app/store"
	"github.com/homekeep/homekeep/internal/app/tasks"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/boardversion"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/httpserver"
	"github.com/homekeep/homekeep/internal/metrics"
	"github.com/homekeep/homekeep/internal/ratelimit"
	"github.com/homekeep/homekeep/internal/refcache"
	"github.com/homekeep/homekeep/internal/reqinfo"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// Options configures Run.
type Options struct {
	Config config.Config
	Logger *slog.Logger
	// Migrate applies pending migrations before the pool is declared warm (serve without --no-migrate).
	Migrate bool
	// Seed upserts reference data after migrating (make run).
	Seed bool
	// Listener, when set, is served instead of listening on Config.HTTPAddr (tests pass 127.0.0.1:0).
	Listener net.Listener
	// Tracer observes every SQL statement (tests count statements per request).
	Tracer pgx.QueryTracer
	// TracerProvider, when set, records the process's spans instead of what OTEL_EXPORTER_OTLP_ENDPOINT
	// configures (tests pass an in-memory span recorder).
	TracerProvider trace.TracerProvider
	// OnReady is called once the pool is warm and the API takes traffic.
	OnReady func(addr net.Addr)
	// OnShared is called with the Valkey connection, when there is one (tests count its round trips).
	OnShared func(*valkeyconn.Conn)
	// PushChannels, when not nil, replaces the push channels the configuration turns on, for the API and its
	// workers (tests point channels at their own servers).
	PushChannels []push.Channel
	// BoardClock is the clock boards read their residences' local dates from (tests move it across a
	// residence's midnight); nil is time.Now.
	BoardClock func() time.Time
	// AppleRoots, when not nil, replaces Apple's pinned root certificate for the API and its workers (tests
	// sign App Store tokens with their own CA).
	AppleRoots *x509.CertPool
	// Google, when not nil, replaces Google's servers for the API and its workers (tests run fakes).
	Google *GoogleEndpoints
	// Hurry, when it closes (cmd/homekeep: a second SIGINT or SIGTERM), cuts SHUTDOWN_DELAY short: the
	// listener closes at once and the drain goes on as usual.
	Hurry <-chan struct{}
}

// Run serves until ctx is cancelled or start-up fails. The listener opens first so /healthz and /readyz
// answer during start-up; the API answers 503 until the pool is warm.
func Run(ctx context.Context, o Options) (err error) {
	cfg, log := o.Config, o.Logger
	if cfg.DatabaseURL == "" {
		return errNoDatabaseURL
	}
	tracing, log, flushTraces, err := startTracing(ctx, o.TracerProvider, log)
	if err != nil {
		return err
	}
	defer flushTraces()
	ln := o.Listener
	if ln == nil {
		if ln, err = httpserver.Listen(ctx, cfg.HTTPAddr); err != nil {
			return listenError(cfg.HTTPAddr, err)
		}
	}
	// Serve closes the listener when it shuts down; this covers the returns before it runs.
	defer func() { _ = ln.Close() }()

	mx := newMetrics(cfg)
	pool, err := dbpool.New(ctx, dbpool.Options{
		URL: cfg.DatabaseURL, MaxConns: cfg.DBMaxConns, MinConns: cfg.DBMinConns,
		MaxConnLifetime: cfg.DBMaxConnLifetime, MaxConnIdleTime: cfg.DBMaxConnIdleTime,
		NoSessionState: cfg.DBPooler == config.PoolerPgBouncerTransaction, PoolerPrepares: cfg.DBPoolerPrepared,
		Tracer:  mx.WithTracer(tracing.SQLTracer(o.Tracer)),
		Prepare: hotStatements(cfg), OnRequestPath: reqinfo.InRequest, PlanCacheMode: cfg.DBPlanCacheMode,
	})
	if err != nil {
		return err
	}
	defer pool.Close()
	mx.WatchPool("api", pool)

	var (
		valkeyPing func(context.Context) error
		shared     *valkeyconn.Conn
	)
	if cfg.ValkeyURL == "" {
		log.Info("VALKEY_URL is unset: caches are in-process only, and revocations reach only this process")
	} else {
		if shared, err = valkeyconn.Connect(ctx, cfg.ValkeyURL, log, valkeyconn.WithCallTimeout(cfg.ValkeyTimeout),
			valkeyconn.WithTracerProvider(jobTracerProvider(tracing))); err != nil {
			return err
		}
		defer shared.Close()
		valkeyPing = shared.Ping
	}
	if o.OnShared != nil && shared != nil {
		o.OnShared(shared)
	}

	auth, err := authcache.New(authcache.Options{
		Shared: shared, KeyPrefix: cfg.CacheKeyPrefix, TokenTTL: cfg.TokenCacheTTL, UserTTL: cfg.UserCacheTTL,
		UserCacheSize: int(cfg.UserCacheSize), Logger: log, Tombstones: accounts.NewTombstoneStore(pool),
	})
	if err != nil {
		return err
	}
	defer auth.Close()
	access, err := accesscache.New(accesscache.Options{Shared: shared, KeyPrefix: cfg.CacheKeyPrefix})
	if err != nil {
		return err
	}
	defer access.Close()
	boards, err := boardversion.New(boardversion.Options{Conn: shared, KeyPrefix: cfg.CacheKeyPrefix, Logger: log})
	if err != nil {
		return err
	}
	defer boards.Close()
	files, err := blobstore.Open(ctx, cfg.FileStorageURL)
	if err != nil {
		return fmt.Errorf("FILE_STORAGE_URL: %w", err)
	}
	defer func() {
		if err := files.Close(); err != nil {
			log.Warn("error closing file storage", "error", err)
		}
	}()

	refs := refcache.New(shared, cfg.CacheKeyPrefix, StaticDataKey)
	defer refs.Close()
	paywall := refcache.New(shared, cfg.CacheKeyPrefix, PaywallKey)
	defer paywall.Close()
	mx.WatchCaches(valkeyCounter(shared), auth, access, refs, paywall)
	// Each operation group gets exactly what it uses; the pool (as db) and residence access are shared.
	db := dbpool.NewDB(pool, reqinfo.ReadOnly)
	residenceAccess := app.NewAccess(db, access)
	attempts := app.AttemptLimit{Limiter: ratelimit.New(shared, cfg.CacheKeyPrefix), PerMinute: int(cfg.AuthRateLimit)}
	sends, err := newDelivery(ctx, cfg, log, mx, db, o.PushChannels)
	if err != nil {
		return err
	}
	accountOps, err := accounts.New(accounts.Deps{
		DB: db, Logger: log, Auth: auth, Attempts: attempts, Files: files, Boards: boards,
		Passwords: accounts.PasswordParams{MemoryKiB: uint32(cfg.Argon2MemoryKiB), Iterations: uint32(cfg.Argon2Iterations)}, //nolint:gosec // G115: config.Load takes only positive values
	})
	if err != nil {
		return err
	}
	documentOps, err := documents.New(documents.Deps{
		DB: db, Logger: log, Access: residenceAccess, Files: files, MaxUploadSize: cfg.MaxUploadSize,
	})
	if err != nil {
		return err
	}
	residenceOps := residences.New(residences.Deps{DB: db, Logger: log, Access: residenceAccess, Attempts: attempts, Files: files,
		Boards: boards, Users: auth})
	staticData := reference.New(reference.Deps{DB: db, Refs: refs})
	taskOps := tasks.New(tasks.Deps{DB: db, Access: residenceAccess, Boards: boards, BoardCacheSize: cfg.BoardCacheSize,
		Now: o.BoardClock})
	appleVerifier, err := newAppleVerifier(cfg.Apple, o.AppleRoots)
	if err != nil {
		return err
	}
	googleStore, err := newGoogleStore(cfg.Google, o.Google)
	if err != nil {
		return err
	}
	keys := idempotency.New(db, log)
	server, err := api.NewServer(api.Handlers{
		Idempotency: keys,
		Accounts:    accountOps,
		Residences:  residenceOps,
		Tasks:       taskOps,
		Contractors: contractors.New(contractors.Deps{DB: db, Access: residenceAccess, Boards: boards}),
		Documents:   documentOps,
		Reference:   staticData,
		Notifications: notifications.New(notifications.Deps{DB: db, Delivery: sends.deliverer, Links: sends.links, Attempts: attempts,
			WebPushKey: sends.vapidPublic, Endpoints: endpoint.Policy{AllowLoopbackHTTP: cfg.Push.AllowInsecureLoopback}}),
		Subscriptions: subscriptions.New(subscriptions.Deps{DB: db, Paywall: paywall}),
		Store: store.New(store.Deps{DB: db, Apple: appleVerifier, Google: googleStore.client,
			GooglePush: googleStore.push, GoogleSecret: googleStore.secret}),
	}, log, apiTracing(tracing)...)
	if err != nil {
		return err
	}
	adminOps, err := admin.New(admin.Deps{DB: db, Attempts: attempts, Logger: log, StaticData: refs, Paywall: paywall,
		Boards: boards, Auth: auth, Access: access, Files: files, Shared: shared, KeyPrefix: cfg.CacheKeyPrefix,
		Accounts: accountOps, Passwords: admin.PasswordParams{MemoryKiB: uint32(cfg.Argon2MemoryKiB), Iterations: uint32(cfg.Argon2Iterations)}, //nolint:gosec // G115: config.Load takes only positive values
	})
	if err != nil {
		return err
	}
	adminServer, err := admin.NewServer(adminOps, log, adminTracing(tracing)...)
	if err != nil {
		return err
	}
	panel, err := adminweb.New(adminweb.Deps{Admin: adminOps, Logger: log,
		SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://")})
	if err != nil {
		return err
	}
	docs, err := apidocs.New()
	if err != nil {
		return err
	}
	readiness := httpserver.NewReadiness(pool.Ping, valkeyPing)
	router := httpserver.NewRouter(httpserver.Options{
		API: keys.Wrap(server), Admin: adminServer, Panel: panel.Handler(), Readiness: readiness, BodyLimit: cfg.HTTPBodyLimit, BodyLimitRules: uploadRules(cfg.MaxUploadSize),
		RequestTimeout: cfg.RequestTimeout,
		TrustedProxies: cfg.TrustedProxies, CORSOrigins: cfg.CORSOrigins, Docs: docs.Routes(), Logger: log,
	})

	// Background work stops (ctx is cancelled) and is waited for before the pools and storage close.
	var background sync.WaitGroup
	defer background.Wait()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// A metrics listener of its own answers until the main one has drained, not only until the signal.
	serving, doneServing := context.WithCancel(context.WithoutCancel(ctx))
	defer doneServing()
	handler, err := serveMetrics(serving, cfg, mx, router, &background, log,
		metrics.Operations(adminServer.FindRoute), metrics.Operations(server.FindRoute))
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	var startFailed atomic.Bool
	// The pre-stop delay is skipped on a second signal, and when start-up fails: no load balancer sends to a
	// process that never was ready.
	hurry, skipDelay := hurryChannel(serving, o.Hurry)
	serveLog := slog.New(muteHandler{log.Handler(), &startFailed})
	go func() {
		served <- httpserver.ServeDraining(ctx, ln, handler, httpserver.Timeouts{
			Read: cfg.HTTPReadTimeout, Write: cfg.HTTPWriteTimeout, Idle: cfg.HTTPIdleTimeout,
			Shutdown: cfg.ShutdownTimeout,
		}, httpserver.Drain{Delay: cfg.ShutdownDelay, Hurry: hurry, OnDrain: readiness.MarkDraining}, serveLog)
	}()

	if err := start(ctx, pool, staticData, boards, o); err != nil {
		// One line that says what went wrong (dbpool.Explain names the address when PostgreSQL cannot be
		// reached); main prints it. The server only answered probes, so its shutdown is not worth a line.
		startFailed.Store(true)
		skipDelay()
		cancel(err)
		<-served //nolint:errcheck // the server only answered probes; start's error is the one to report
		return dbpool.Explain(err)
	}
	// Revocations recorded while Valkey was unreachable reach it before the API takes traffic.
	auth.Start(ctx)
	if cfg.Workers {
		runner, err := startJobs(ctx, jobDeps{cfg: cfg, log: log, tracing: tracing, auth: auth, files: files, valkey: shared != nil,
			push: o.PushChannels, apple: appleVerifier, google: googleStore.client, metrics: mx})
		if err != nil {
			startFailed.Store(true)
			skipDelay()
			cancel(err)
			<-served //nolint:errcheck // as above: the error to report is the start-up's
			return dbpool.Explain(err)
		}
		// Stops fetching as soon as shutdown starts, and lets running jobs finish while requests drain; the
		// pools and storage close only after (background.Wait).
		background.Go(func() {
			<-ctx.Done()
			runner.stop(ctx)
		})
	}
	// Starting leaves garbage the heap will not need again (the dummy password hash alone is MemoryKiB,
	// 19 MiB by default, and the migrations and seed add more): hand it back to the OS now rather than
	// let a serving process sit on it until the scavenger gets round to it.
	debug.FreeOSMemory()
	readiness.MarkReady()
	log.Info("ready", "addr", ln.Addr().String(), "db_conns", pool.Stat().TotalConns(), "workers", cfg.Workers)
	if o.OnReady != nil {
		o.OnReady(ln.Addr())
	}
	return <-served
}

// start runs everything that must finish before the API takes traffic.
func start(ctx context.Context, pool *pgxpool.Pool, staticData *reference.Handler, boards *boardversion.Store, o Options) error {
	seeded := false
	if o.Migrate {
		var err error
		if seeded, err = migrateAndSeed(ctx, o.Config, pool, o.Logger); err != nil {
			return err
		}
	}
	if o.Seed && !seeded {
		if err := seed.Apply(ctx, pool); err != nil {
			return fmt.Errorf("error seeding reference data: %w", err)
		}
		o.Logger.Info("reference data seeded")
	}
	if seeded || o.Seed {
		// Cards show lookup names: every board's ETag changes once.
		if err := boards.BumpLookups(ctx); err != nil {
			o.Logger.Warn("could not change the boards' lookups version after seeding", "error", err)
		}
	}
	// The cached static data must match what was just seeded, and the first request after a deploy should
	// find it cached (DESIGN.md: no round trip); a copy that is already current is left alone.
	if err := staticData.RefreshStaticData(ctx); err != nil {
		// Not fatal: the server still starts without Valkey; a stale copy expires within a day.
		o.Logger.Warn("could not refresh the cached static data", "error", err)
	}
	if err := dbpool.Warm(ctx, pool, int(o.Config.DBMinConns), hotStatements(o.Config)...); err != nil {
		return fmt.Errorf("error warming the database pool: %w", err)
	}
	return nil
}

// uploadRules lift the body limit on the two upload routes to the largest file plus the multipart overhead;
// the handlers hold the file itself to maxUpload.
func uploadRules(maxUpload int64) []httpserver.BodyLimitRule {
	limit := maxUpload + api.UploadOverhead
	return []httpserver.BodyLimitRule{
		{Method: http.MethodPost, Path: api.PathPrefix + "/documents", ContentType: "multipart/form-data", Limit: limit,
			Deadline: FileTransferDeadline},
		{Method: http.MethodPut, Path: api.PathPrefix + "/documents/{id}/file", ContentType: "multipart/form-data", Limit: limit,
			Deadline: FileTransferDeadline},
		{Method: http.MethodGet, Path: api.PathPrefix + "/documents/{id}/file", Deadline: FileTransferDeadline},
	}
}

// listenError explains a listen failure and names the setting that changes the address, in one line.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("HTTP_ADDR: cannot listen on %s: the address is already in use by another process; "+
			"stop it or set HTTP_ADDR to another address such as :8081", addr)
	}
	return fmt.Errorf("HTTP_ADDR: cannot listen on %s (set HTTP_ADDR to another address): %w", addr, err)
}

// FileTransferDeadline is how long an upload or download of a document file may take.
const FileTransferDeadline = 10 * time.Minute

// hotStatements are prepared on every pooled connection, except behind a transaction-mode pooler, where a
// prepared statement would not follow the session, unless that pooler keeps protocol-level prepared
// statements itself (DB_POOLER_PREPARED: PgBouncer 1.21+ with max_prepared_statements).
func hotStatements(cfg config.Config) []string {
	if cfg.DBPooler == config.PoolerPgBouncerTransaction && !cfg.DBPoolerPrepared {
		return nil
	}
	return app.HotStatements()
}

// PaywallKey is the Valkey key (after CACHE_KEY_PREFIX) of the cached paywall document: the limitations
// switch, the tiers' limits and the paywall's content, which GET /subscription shows every account alike.
const PaywallKey = "paywall"

// StaticDataKey is the Valkey key (after CACHE_KEY_PREFIX) of the cached static data.
const StaticDataKey = "static_data"

// migrateAndSeed applies pending migrations over a pooled connection, then seeds the reference data of a
// database that has none (see Operator.Migrate), and reports whether it seeded.
func migrateAndSeed(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) (bool, error) {
	res, err := upIfPending(ctx, cfg, pool, log)
	if err != nil {
		return false, err
	}
	for _, r := range res.River {
		log.Info("river migration applied", "version", r.Version, "name", r.Name, "took", r.Duration)
	}
	for _, r := range res.Homekeep {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	seeded, err := seed.IfEmpty(ctx, pool)
	if err != nil {
		return false, err
	}
	if seeded {
		log.Info("reference data seeded: the database had none (`homekeep seed` updates it later)")
	}
	return seeded, nil
}
