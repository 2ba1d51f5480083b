package telemetry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestOutboundCallsAreChildSpans: once the process exports (FromEnv sets the global provider and the flag), a
// client wrapped by WrapClient, as the push and store clients are, gives each call a client span under the
// caller's span and sends the traceparent to the server it calls. Not parallel: it sets process globals.
func TestOutboundCallsAreChildSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prevTP, prevProp, prevOn := otel.GetTracerProvider(), otel.GetTextMapPropagator(), exporting.Load()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	exporting.Store(true)
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
		exporting.Store(prevOn)
		_ = tp.Shutdown(context.Background())
	})

	var traceparent string
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traceparent = r.Header.Get("Traceparent")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(gateway.Close)

	ctx, job := tp.Tracer("test").Start(context.Background(), "river.work/notification_send")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gateway.URL+"/api/push", nil)
	require.NoError(t, err)
	resp, err := WrapClient(&http.Client{}).Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	job.End()

	var client sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.SpanKind().String() == "client" {
			client = s
		}
	}
	require.NotNil(t, client, "a client span for the call")
	require.Equal(t, job.SpanContext().SpanID(), client.Parent().SpanID(), "under the caller's span")
	require.Contains(t, traceparent, client.SpanContext().TraceID().String(), "the gateway got the trace context")

	exporting.Store(false)
	plain := &http.Client{}
	require.Same(t, plain, WrapClient(plain), "not exporting: the client is left as it is")
}
