package telemetry

import (
	"context"
	"log/slog"

	"github.com/ogen-go/ogen/middleware"
	"go.opentelemetry.io/otel/trace"

	"github.com/homekeep/homekeep/internal/reqinfo"
)

// LogHandler stamps each record logged with a context that carries a span with trace_id and span_id, so a
// log line leads to its trace and back. Records logged without one (or with tracing off) pass unchanged.
func LogHandler(next slog.Handler) slog.Handler {
	if _, ok := next.(logHandler); ok {
		return next
	}
	return logHandler{next: next}
}

type logHandler struct{ next slog.Handler }

// Enabled implements slog.Handler.
func (h logHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle implements slog.Handler.
func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.next.Handle(ctx, r) //nolint:wrapcheck // a handler passes its next handler's error on
}

// WithAttrs implements slog.Handler.
func (h logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{next: h.next.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h logHandler) WithGroup(name string) slog.Handler {
	return logHandler{next: h.next.WithGroup(name)}
}

// NoteSpan is an ogen middleware that copies the request's server span ids into its reqinfo.Info, for the
// access log (which runs outside ogen's span). Without tracing the span context is invalid and it does nothing.
func NoteSpan(req middleware.Request, next middleware.Next) (middleware.Response, error) {
	if sc := trace.SpanContextFromContext(req.Context); sc.IsValid() {
		info := reqinfo.From(req.Context)
		info.TraceID, info.SpanID = sc.TraceID().String(), sc.SpanID().String()
	}
	return next(req)
}
