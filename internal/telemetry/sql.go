package telemetry

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// SQLTracer composes others (the tests' statement counter, for one; nil entries are skipped) with, when
// tracing is on, a tracer that gives every SQL statement a client span under the span in its context. pgx
// takes one tracer per pool, hence the composition (pgx's multitracer). It returns nil when there is nothing
// to trace.
func (t *Tracing) SQLTracer(others ...pgx.QueryTracer) pgx.QueryTracer {
	var tracers []pgx.QueryTracer
	if t.On() {
		tracers = append(tracers, sqlTracer{tracer: t.Tracer()})
	}
	for _, o := range others {
		if o != nil {
			tracers = append(tracers, o)
		}
	}
	switch len(tracers) {
	case 0:
		return nil
	case 1:
		return tracers[0]
	}
	return multitracer.New(tracers...)
}

// sqlTracer starts a span per statement, and for a batch (one round trip) a span per statement in it, all
// starting when the batch is sent, each ending when its result has been read. It records nothing for a
// statement whose context carries no recording span (river's polling, a request sampled out): SQL spans
// only ever nest under a request or a job.
type sqlTracer struct{ tracer trace.Tracer }

var (
	_ pgx.QueryTracer = sqlTracer{}
	_ pgx.BatchTracer = sqlTracer{}
)

type (
	querySpanKey struct{}
	batchSpanKey struct{}
)

// batchSpans are a batch's statement spans, ended in order as pgx reads their results.
type batchSpans struct {
	spans []trace.Span
	next  int
}

// TraceQueryStart implements pgx.QueryTracer.
func (s sqlTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx
	}
	ctx, span := s.start(ctx, data.SQL)
	return context.WithValue(ctx, querySpanKey{}, span)
}

// TraceQueryEnd implements pgx.QueryTracer.
func (sqlTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	if span, ok := ctx.Value(querySpanKey{}).(trace.Span); ok {
		end(span, data.Err)
	}
}

// TraceBatchStart implements pgx.BatchTracer.
func (s sqlTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	if data.Batch == nil || !trace.SpanFromContext(ctx).IsRecording() {
		return ctx
	}
	b := &batchSpans{spans: make([]trace.Span, 0, len(data.Batch.QueuedQueries))}
	size := attribute.Int(string(semconv.DBOperationBatchSizeKey), len(data.Batch.QueuedQueries))
	for _, q := range data.Batch.QueuedQueries {
		_, span := s.start(ctx, q.SQL, size)
		b.spans = append(b.spans, span)
	}
	return context.WithValue(ctx, batchSpanKey{}, b)
}

// TraceBatchQuery implements pgx.BatchTracer.
func (sqlTracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	if b, ok := ctx.Value(batchSpanKey{}).(*batchSpans); ok && b.next < len(b.spans) {
		end(b.spans[b.next], data.Err)
		b.next++
	}
}

// TraceBatchEnd implements pgx.BatchTracer: statements whose results were never read (the batch failed or
// was closed early) end here with the batch's error.
func (sqlTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	if b, ok := ctx.Value(batchSpanKey{}).(*batchSpans); ok {
		for ; b.next < len(b.spans); b.next++ {
			end(b.spans[b.next], data.Err)
		}
	}
}

func (s sqlTracer) start(ctx context.Context, sql string, extra ...attribute.KeyValue) (context.Context, trace.Span) {
	name := StatementName(sql)
	attrs := append([]attribute.KeyValue{
		semconv.DBSystemNamePostgreSQL,
		semconv.DBQuerySummary(name),
		semconv.DBQueryText(sql),
	}, extra...)
	return s.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

func end(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "")
	}
	span.End()
}

// StatementName names a statement's span: its sqlc query name ("-- name: AuthTokenUser :one" gives
// AuthTokenUser), else its first keyword (SELECT, BEGIN, ...). Parameters never appear in it.
func StatementName(sql string) string {
	sql = strings.TrimSpace(sql)
	if rest, ok := strings.CutPrefix(sql, "-- name: "); ok {
		if name, _, ok := strings.Cut(rest, " "); ok && name != "" {
			return name
		}
	}
	for strings.HasPrefix(sql, "--") { // skip other leading comments
		_, after, ok := strings.Cut(sql, "\n")
		if !ok {
			return "SQL"
		}
		sql = strings.TrimSpace(after)
	}
	word, _, _ := strings.Cut(sql, " ")
	word, _, _ = strings.Cut(word, "\n")
	if word == "" {
		return "SQL"
	}
	return strings.ToUpper(word)
}
