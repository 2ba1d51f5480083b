// Package telemetry sets up OpenTelemetry tracing for a Homekeep process and provides the pieces that nest
// every round trip under the request (or job) that caused it: a pgx tracer that gives each SQL statement a
// span, an HTTP client wrapper for outbound calls, and a slog handler that stamps log lines with the trace.
//
// Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: then
// spans go over OTLP/HTTP to that collector (Jaeger accepts OTLP), and the SDK honours the standard
// variables (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG,
// OTEL_EXPORTER_OTLP_HEADERS, ...). Off means a no-op provider and no SQL or HTTP wrappers at all, so the hot
// path runs exactly the code it runs without this package.
package telemetry
