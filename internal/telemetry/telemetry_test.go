package telemetry_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/homekeep/homekeep/internal/telemetry"
)

func TestStatementName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ sql, want string }{
		{"-- name: AuthTokenUser :one\nSELECT 1", "AuthTokenUser"},
		{"  -- name: TaskBoard :many\n-- more\nSELECT 1", "TaskBoard"},
		{"select 1", "SELECT"},
		{"-- a comment\nbegin", "BEGIN"},
		{"-- only a comment", "SQL"},
		{"", "SQL"},
	} {
		require.Equal(t, tc.want, telemetry.StatementName(tc.sql), "%q", tc.sql)
	}
}

func recording(t *testing.T) (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, rec
}

func TestLogHandlerStampsTheTrace(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(telemetry.LogHandler(slog.NewTextHandler(&buf, nil))).With("component", "test")
	log.InfoContext(context.Background(), "untraced")
	require.NotContains(t, buf.String(), "trace_id", "no span, no trace id")

	tp, _ := recording(t)
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	defer span.End()
	buf.Reset()
	log.InfoContext(ctx, "traced")
	sc := span.SpanContext()
	require.Contains(t, buf.String(), "trace_id="+sc.TraceID().String())
	require.Contains(t, buf.String(), "span_id="+sc.SpanID().String())
	require.Contains(t, buf.String(), "component=test", "attributes set before still come out")
}

func TestJobMetadataCarriesTheTraceparent(t *testing.T) {
	t.Parallel()
	require.JSONEq(t, "{}", telemetry.JobMetadata(context.Background()))
	tp, _ := recording(t)
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	defer span.End()
	sc := span.SpanContext()
	require.JSONEq(t, `{"traceparent":"00-`+sc.TraceID().String()+"-"+sc.SpanID().String()+`-01"}`,
		telemetry.JobMetadata(ctx))
}

func TestSQLTracerIsNothingWhenTracingIsOff(t *testing.T) {
	t.Parallel()
	require.Nil(t, telemetry.Disabled().SQLTracer(nil), "nothing to trace: pgx gets no tracer")
	tp, _ := recording(t)
	require.NotNil(t, telemetry.ForProvider(tp).SQLTracer())
}

// TestFromEnv changes the process's environment and global provider, so it runs alone (no t.Parallel).
func TestFromEnv(t *testing.T) {
	ctx := context.Background()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	off, err := telemetry.FromEnv(ctx, "")
	require.NoError(t, err)
	require.False(t, off.On(), "no endpoint: tracing is off")
	c := &http.Client{}
	require.Same(t, c, telemetry.WrapClient(c), "off: outbound clients are left alone")

	// The SDK's own variables are honoured: a ratio of 0 samples nothing, whatever the endpoint.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_TRACES_SAMPLER", "traceidratio")
	t.Setenv("OTEL_TRACES_SAMPLER_ARG", "0")
	on, err := telemetry.FromEnv(ctx, "v1.2.3")
	require.NoError(t, err)
	require.True(t, on.On())
	require.Equal(t, "http://127.0.0.1:1", on.Endpoint)
	_, span := on.Tracer().Start(ctx, "request")
	require.False(t, span.SpanContext().IsSampled(), "OTEL_TRACES_SAMPLER_ARG=0 samples nothing")
	span.End()
	wrapped := telemetry.WrapClient(c)
	require.NotSame(t, c, wrapped)
	require.IsType(t, &otelhttp.Transport{}, wrapped.Transport, "the transport is otelhttp's")
	require.NoError(t, on.Shutdown(ctx))
}
