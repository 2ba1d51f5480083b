// Package apptest runs real Homekeep API processes for tests: each on a random port, on its own cloned
// database (or a shared one, for multi-instance tests), with a contract-checking HTTP client and a counter of
// the SQL statements the process runs.
//
// It also holds the fixtures the HTTP tests of several operation groups share (accounts.go, residences.go,
// tasks.go, contractors.go, documents.go: a household with one member of each role, a task, an uploaded
// file, ...), since those tests live in the packages of their groups under internal/app.
package apptest

import (
	"context"
	"crypto/x509"
	"github.com/homekeep/homekeep/internal/push"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/homekeep/homekeep/internal/apitest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testvalkey"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// Options configures Start. Zero values give a fresh database, no Valkey and a small warm pool.
type Options struct {
	// DatabaseURL shares a database between instances; empty means a fresh clone for this test.
	DatabaseURL string
	// Configure adjusts the configuration after the defaults are filled in.
	Configure func(*config.Config)
	// Tracer replaces the statement counter (it must count if the test reads Stmts).
	Tracer *Tracer
	// TracerProvider, when set, records the instance's spans (a test passes an SDK provider with a
	// tracetest.SpanRecorder); nil leaves tracing off, as in production without OTEL_EXPORTER_OTLP_ENDPOINT.
	TracerProvider trace.TracerProvider
	// NoSeed skips the forced seed of reference data; migrating still seeds a database that has none.
	NoSeed bool
	// ValkeyURL and KeyPrefix connect the instance to Valkey; instances sharing both share caches.
	// SharedValkey returns a pair for one test.
	ValkeyURL, KeyPrefix string
	// BoardClock replaces the clock boards read their residences' local dates from.
	BoardClock func() time.Time
	// PushChannels, when not nil, replaces the push channels the configuration turns on (tests point
	// channels at provider servers of their own).
	PushChannels []push.Channel
	// AppleRoots, when not nil, replaces Apple's pinned root certificate, so that App Store tokens signed by a
	// test CA (appletest) verify.
	AppleRoots *x509.CertPool
	// Google, when not nil, replaces Google's servers (googletest's fake Android Publisher API, token
	// endpoint and key set).
	Google *service.GoogleEndpoints
}

// SharedValkey returns the test Valkey's URL and a key prefix of this test's own.
func SharedValkey(t testing.TB) (url, prefix string) {
	t.Helper()
	return testvalkey.New(t)
}

// Instance is one running API process.
type Instance struct {
	// URL is the server root, e.g. http://127.0.0.1:41234; API is URL + "/api".
	URL, API    string
	DatabaseURL string
	// Client checks every request and response against api/openapi.yaml.
	Client *http.Client
	// AdminClient checks every request and response against api/admin.yaml (DoAdmin uses it).
	AdminClient *http.Client
	// Stmts counts SQL statements and new connections of this process.
	Stmts *Tracer
	// Valkey is the process's Valkey connection (nil without Valkey); its RoundTrips counts network trips.
	Valkey *valkeyconn.Conn

	cancel context.CancelFunc
	done   chan error
}

// Start runs an instance until the test ends and returns once it is ready.
func Start(t testing.TB, o Options) *Instance {
	t.Helper()
	if o.DatabaseURL == "" {
		o.DatabaseURL = testdb.New(t)
	}
	cfg, err := config.Load(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("apptest: default config: %v", err)
	}
	cfg.DatabaseURL = o.DatabaseURL
	// Small pools: a package's tests run many instances at once against one PostgreSQL (100 connections).
	cfg.DBMinConns, cfg.DBMaxConns = 1, 4
	// Files in memory unless a test inspects storage (it sets its own FILE_STORAGE_URL).
	cfg.FileStorageURL = "mem://"
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.ShutdownDelay = 0 // no load balancer to wait for: tests stop at once (drain tests set their own)
	// Cheap password hashing keeps tests fast; the parameters travel in the hash, so nothing else changes.
	cfg.Argon2MemoryKiB, cfg.Argon2Iterations = 1024, 1
	// Parallel tests share one client IP; rate-limit tests set their own limit.
	cfg.AuthRateLimit = 1000
	cfg.ValkeyURL, cfg.CacheKeyPrefix = o.ValkeyURL, o.KeyPrefix
	// The test machine may be busy (2 cores, many test binaries): a healthy Valkey that answers after 500 ms
	// must not count as down. Tests of an unreachable Valkey stop it, which fails at once.
	cfg.ValkeyTimeout = testvalkey.CallTimeout
	// Likewise the request deadline: a request the busy machine makes slow must not turn into a 503. Fault
	// tests set their own.
	cfg.RequestTimeout = 30 * time.Second
	// No job workers unless a test needs its jobs worked (WithSMTP turns them on): each instance's workers add
	// a pool and river's polling, and a package runs many instances at once. Jobs are still queued.
	cfg.Workers = false
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	viaPgBouncer(t, &cfg)
	tracer := o.Tracer
	if tracer == nil {
		tracer = &Tracer{}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("apptest: listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	inst := &Instance{
		URL: "http://" + ln.Addr().String(), DatabaseURL: o.DatabaseURL,
		Client: &http.Client{Timeout: 30 * time.Second,
			Transport: apitest.NewTransport(t, http.DefaultTransport.(*http.Transport).Clone())},
		AdminClient: &http.Client{Timeout: 30 * time.Second,
			Transport: apitest.NewAdminTransport(t, http.DefaultTransport.(*http.Transport).Clone())},
		Stmts: tracer, cancel: cancel, done: make(chan error, 1),
	}
	inst.API = inst.URL + "/api"
	ready := make(chan struct{})
	var once sync.Once
	go func() {
		inst.done <- service.Run(ctx, service.Options{
			Config: cfg, Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
			Migrate: true, Seed: !o.NoSeed, Listener: ln, Tracer: tracer, TracerProvider: o.TracerProvider,
			OnReady:    func(net.Addr) { once.Do(func() { close(ready) }) },
			OnShared:   func(c *valkeyconn.Conn) { inst.Valkey = c },
			BoardClock: o.BoardClock, PushChannels: o.PushChannels, AppleRoots: o.AppleRoots, Google: o.Google,
		})
	}()
	t.Cleanup(func() { inst.Stop(t) })

	select {
	case <-ready:
	case err := <-inst.done:
		inst.done <- err
		t.Fatalf("apptest: instance stopped before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatalf("apptest: instance not ready after 30s")
	}
	return inst
}

// Stop shuts the instance down (draining requests) and fails the test if it stopped with an error. It is
// safe to call more than once.
func (i *Instance) Stop(t testing.TB) {
	t.Helper()
	// Connections the client opened but never used count as busy for 5 s during shutdown; close them first.
	i.Client.CloseIdleConnections()
	i.cancel()
	if err, ok := <-i.done; ok {
		close(i.done)
		if err != nil {
			t.Errorf("apptest: instance stopped with error: %v", err)
		}
	}
}

// testWriter sends server logs to the test log, so they show up with the failing test only.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
