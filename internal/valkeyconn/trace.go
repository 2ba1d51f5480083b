package valkeyconn

import (
	"context"
	"time"

	"github.com/valkey-io/valkey-go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// WithTracerProvider traces the connection's calls under the caller's span: every call that goes to Valkey
// gets a client span named after its command, and a read answered from the client-side cache adds an event
// to the caller's span instead, since it made no round trip. Calls whose context carries no recording span
// (tracing off, a request sampled out) cost one check. A nil tp traces nothing.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *Conn) {
		if tp != nil {
			c.tracer = tp.Tracer("github.com/homekeep/homekeep/internal/valkeyconn")
		}
	}
}

// cacheHitEvent is the event a read served from the client-side cache adds to the caller's span.
const cacheHitEvent = "valkey client-side cache hit"

// commandName is a command's name (GET, SET, EVALSHA), never its keys or values.
func commandName(cmd valkey.Completed) string {
	if parts := cmd.Commands(); len(parts) > 0 {
		return parts[0]
	}
	return "valkey"
}

// cacheableName is commandName for a read through the client-side cache.
func cacheableName(cmd valkey.Cacheable) string {
	if parts := cmd.Commands(); len(parts) > 0 {
		return parts[0]
	}
	return "valkey"
}

// startSpan starts the span of one round trip, or returns a nil span when nothing is traced.
func (c *Conn) startSpan(ctx context.Context, name string, size int) (context.Context, trace.Span) {
	if c.tracer == nil || !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, nil
	}
	attrs := []attribute.KeyValue{semconv.DBSystemNameKey.String("valkey"), semconv.DBOperationName(name)}
	if size > 1 {
		attrs = append(attrs, semconv.DBOperationBatchSize(size))
	}
	return c.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// endSpan ends span (nil: nothing traced), marking an error that is not Valkey's nil reply.
func endSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil && !valkey.IsValkeyNil(err) {
		span.RecordError(err)
		span.SetStatus(codes.Error, "")
	}
	span.End()
}

// traceCacheRead records a read through the client-side cache once its result is known: when every key
// was a hit, an event on the caller's span; otherwise a span from start to now for the round trip the
// misses made.
func (c *Conn) traceCacheRead(ctx context.Context, name string, start time.Time, hits, keys int, err error) {
	if c.tracer == nil {
		return
	}
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return
	}
	if hits == keys {
		parent.AddEvent(cacheHitEvent, trace.WithAttributes(semconv.DBOperationName(name), attribute.Int("keys", keys)))
		return
	}
	_, span := c.tracer.Start(ctx, name, trace.WithTimestamp(start), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(semconv.DBSystemNameKey.String("valkey"), semconv.DBOperationName(name),
			attribute.Int("cache_hits", hits), attribute.Int("keys", keys)))
	if err != nil && !valkey.IsValkeyNil(err) {
		span.RecordError(err)
		span.SetStatus(codes.Error, "")
	}
	span.End()
}

// firstError is the first error among results (a pipeline's), or nil.
func firstError(res []valkey.ValkeyResult) error {
	for _, r := range res {
		if err := r.Error(); err != nil {
			return err
		}
	}
	return nil
}
