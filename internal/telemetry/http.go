package telemetry

import (
	"net/http"
	"sync/atomic"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
)

// exporting is set once FromEnv has installed an exporting provider as the global one. The outbound HTTP
// clients (push gateways, store APIs) are built deep inside their packages, out of reach of the process's
// Tracing, so they read this instead.
var exporting atomic.Bool

// WrapClient returns c with a transport that gives every outbound request a client span under the caller's
// span (and sends the traceparent along), when this process exports traces (FromEnv). Otherwise, and for a
// nil c, it returns c itself, so an untraced process sends requests exactly as before.
func WrapClient(c *http.Client) *http.Client {
	if c == nil || !exporting.Load() {
		return c
	}
	wrapped := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	wrapped.Transport = otelhttp.NewTransport(base, otelhttp.WithTracerProvider(otel.GetTracerProvider()))
	return &wrapped
}
