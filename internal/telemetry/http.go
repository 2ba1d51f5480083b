package telemetry

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// WrapClient returns c with a transport that gives every outbound request (push gateways, store APIs) a
// client span under the caller's span. Tracing off, or c nil, returns c itself.
func (t *Tracing) WrapClient(c *http.Client) *http.Client {
	if !t.On() || c == nil {
		return c
	}
	wrapped := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	wrapped.Transport = otelhttp.NewTransport(base, otelhttp.WithTracerProvider(t.Provider))
	return &wrapped
}
