package service

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/telemetry"
)

// traceFlushTimeout bounds how long a stopping process waits for its last spans to reach the collector.
const traceFlushTimeout = 5 * time.Second

// startTracing is the process's tracing: tp when a test passes one, else OTLP export when the environment
// configures it (telemetry.FromEnv), else off. It returns the logger with trace_id and span_id on every line
// logged with a traced context, and a function that flushes the spans still buffered, for the end of the run.
func startTracing(ctx context.Context, tp trace.TracerProvider, log *slog.Logger) (*telemetry.Tracing, *slog.Logger, func(), error) {
	var tracing *telemetry.Tracing
	if tp != nil {
		tracing = telemetry.ForProvider(tp)
	} else {
		var err error
		if tracing, err = telemetry.FromEnv(ctx, buildVersion()); err != nil {
			return nil, nil, nil, err
		}
	}
	if tracing.Endpoint != "" {
		log.Info("exporting traces over OTLP", "endpoint", tracing.Endpoint)
	}
	flush := func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), traceFlushTimeout)
		defer cancel()
		if err := tracing.Shutdown(fctx); err != nil {
			log.Warn("the last spans may be lost", "error", err)
		}
	}
	return tracing, slog.New(telemetry.LogHandler(log.Handler())), flush, nil
}

// buildVersion is the main module's version as the build recorded it ("" or "(devel)" from a work tree).
func buildVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		return info.Main.Version
	}
	return ""
}

// apiTracing gives the app API's ogen server the tracer provider: a server span per request, named after
// its operation. With tracing off it adds nothing, so the server runs as it does without this package.
func apiTracing(t *telemetry.Tracing) []oas.ServerOption {
	if !t.On() {
		return nil
	}
	return []oas.ServerOption{oas.WithTracerProvider(t.Provider)}
}

// adminTracing is apiTracing for the admin API.
func adminTracing(t *telemetry.Tracing) []adminoas.ServerOption {
	if !t.On() {
		return nil
	}
	return []adminoas.ServerOption{adminoas.WithTracerProvider(t.Provider)}
}

// jobTracerProvider is the provider the job middleware and the Valkey connection start spans with; nil (no
// middleware, nothing traced) when tracing is off.
func jobTracerProvider(t *telemetry.Tracing) trace.TracerProvider {
	if !t.On() {
		return nil
	}
	return t.Provider
}
