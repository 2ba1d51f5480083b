package telemetry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ogen-go/ogen/middleware"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/homekeep/homekeep/internal/reqinfo"
	"github.com/homekeep/homekeep/internal/telemetry"
)

// TestNoteSpanCopiesTheServerSpanForTheAccessLog: inside a traced request the span's ids reach reqinfo (which
// the access log reads); without a span nothing is written.
func TestNoteSpanCopiesTheServerSpanForTheAccessLog(t *testing.T) {
	t.Parallel()
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	for _, traced := range []bool{true, false} {
		var got reqinfo.Info
		var want [2]string
		h := reqinfo.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if traced {
				c, s := tp.Tracer("test").Start(ctx, "GetBoard")
				defer s.End()
				ctx = c
				want = [2]string{s.SpanContext().TraceID().String(), s.SpanContext().SpanID().String()}
			}
			_, err := telemetry.NoteSpan(middleware.Request{Context: ctx},
				func(middleware.Request) (middleware.Response, error) { return middleware.Response{}, nil })
			require.NoError(t, err)
			got = *reqinfo.From(r.Context())
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/tasks", nil))
		require.Equal(t, want[0], got.TraceID, "traced=%v", traced)
		require.Equal(t, want[1], got.SpanID, "traced=%v", traced)
	}
}
