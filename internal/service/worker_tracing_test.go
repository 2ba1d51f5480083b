package service_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/jobs"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/testwait"
)

func newRecorder(t *testing.T) (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, rec
}

// endedSpan waits for an ended span named name.
func endedSpan(t *testing.T, rec *tracetest.SpanRecorder, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	var found sdktrace.ReadOnlySpan
	testwait.Until(t, 10*time.Second, func() bool {
		for _, s := range rec.Ended() {
			if s.Name() == name {
				found = s
				return true
			}
		}
		return false
	}, "no span named %s ended", name)
	return found
}

// TestWorkerLinksItsJobToTheAPIRequestThatQueuedIt: an API process (WORKERS=false) queues the verification
// email when an account registers; a separate `homekeep worker` process, with a tracer of its own, works the
// job, and the job's span links across the two processes to the Register request's span.
func TestWorkerLinksItsJobToTheAPIRequestThatQueuedIt(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	dbURL := testdb.New(t)
	apiTP, apiSpans := newRecorder(t)
	api := apptest.Start(t, apptest.Options{DatabaseURL: dbURL, NoSeed: true, TracerProvider: apiTP,
		Configure: func(c *config.Config) { apptest.WithSMTP(smtp)(c); c.Workers = false }})

	workerTP, workerSpans := newRecorder(t)
	cfg := defaultConfig(t, dbURL)
	cfg.FileStorageURL = "mem://"
	cfg.SMTPURL, cfg.MailFrom = smtp.URL, "Homekeep <no-reply@homekeep.test>"
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- service.RunWorker(ctx, service.WorkerOptions{Config: cfg, Logger: slog.New(slog.DiscardHandler),
			Migrate: true, OnReady: func() { close(ready) }, TracerProvider: workerTP})
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done, "the worker stops cleanly")
	})
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker was not ready after 30s")
	}

	acct := api.Register(t)
	smtp.Next(t, acct.Email)
	register := endedSpan(t, apiSpans, string(oas.RegisterOperation))
	job := endedSpan(t, workerSpans, "river.work/"+jobs.KindEmailCode)
	require.Equal(t, trace.SpanKindServer, register.SpanKind())
	require.Len(t, job.Links(), 1, "the job's span links to the request that queued it")
	require.Equal(t, register.SpanContext().TraceID(), job.Links()[0].SpanContext.TraceID())
	require.Equal(t, register.SpanContext().SpanID(), job.Links()[0].SpanContext.SpanID())
	require.False(t, job.Parent().IsValid(), "a trace of its own: the job may run long after the request")
}
