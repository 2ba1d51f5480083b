package telemetry

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ServiceNameDefault is the service name spans carry when OTEL_SERVICE_NAME is unset.
const ServiceNameDefault = "homekeep"

// instrumentationName names the tracer of the spans this package starts (SQL statements, Valkey commands).
const instrumentationName = "github.com/homekeep/homekeep/internal/telemetry"

// Tracing is a process's tracer provider. When it is not Enabled the provider is a no-op and the wrappers
// (SQLTracer, WrapClient) return what they were given, so nothing is measured or allocated per request.
type Tracing struct {
	// Provider is what the servers, the SQL tracer and the job middleware start spans with.
	Provider trace.TracerProvider
	// Enabled is whether spans are recorded: an exporter is configured, or a test passed its own provider.
	Enabled bool
	// Endpoint is where spans are exported, for the start-up log ("" when not exporting).
	Endpoint string

	shutdown func(context.Context) error
}

// Disabled is tracing off: a no-op provider.
func Disabled() *Tracing {
	return &Tracing{Provider: noop.NewTracerProvider()}
}

// ForProvider records into tp (tests pass an SDK provider with an in-memory span recorder). The caller owns
// tp: Shutdown does not shut it down. A nil tp is Disabled.
func ForProvider(tp trace.TracerProvider) *Tracing {
	if tp == nil {
		return Disabled()
	}
	return &Tracing{Provider: tp, Enabled: true}
}

// FromEnv exports over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set
// (and neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none says otherwise), and is Disabled
// otherwise. version is the build's, recorded as service.version. Shutdown flushes what is still buffered.
func FromEnv(ctx context.Context, version string) (*Tracing, error) {
	endpoint := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if endpoint == "" {
		endpoint = os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	if endpoint == "" || strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") ||
		strings.EqualFold(os.Getenv("OTEL_TRACES_EXPORTER"), "none") {
		return Disabled(), nil
	}
	// The exporter reads the endpoint, headers, timeout and TLS settings from the environment itself; it
	// connects on the first export, so a collector that is down does not stop the process.
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: error setting up the trace exporter: %w", err)
	}
	attrs := []resource.Option{resource.WithAttributes(semconv.ServiceName(ServiceNameDefault))}
	if version != "" {
		attrs = append(attrs, resource.WithAttributes(semconv.ServiceVersion(version)))
	}
	// Later options win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the defaults above.
	res, err := resource.New(ctx, append(attrs, resource.WithFromEnv(), resource.WithTelemetrySDK(), resource.WithHost())...)
	if err != nil {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: error describing this process for traces: %w", err)
	}
	// No WithSampler: the SDK reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (default: parent-based,
	// always on).
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	// Outbound calls (WrapClient) carry the trace context to whoever they call.
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	// Libraries that trace through the global provider (the outbound HTTP clients, WrapClient) export too.
	otel.SetTracerProvider(tp)
	exporting.Store(true)
	return &Tracing{Provider: tp, Enabled: true, Endpoint: endpoint, shutdown: tp.Shutdown}, nil
}

// On reports whether spans are recorded; a nil *Tracing is off.
func (t *Tracing) On() bool { return t != nil && t.Enabled }

// Tracer is this package's tracer on the provider.
func (t *Tracing) Tracer() trace.Tracer {
	return t.Provider.Tracer(instrumentationName)
}

// Shutdown flushes the spans still buffered and stops exporting; ctx bounds how long the flush may take.
// It does nothing for a provider that is disabled or not its own.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil || t.shutdown == nil {
		return nil
	}
	if err := t.shutdown(ctx); err != nil {
		return fmt.Errorf("error flushing traces: %w", err)
	}
	return nil
}
