package metrics

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
)

// WithTracer returns tracer composed with the statement counter (Tracer), which the pool then calls for
// every statement; a nil Metrics returns tracer unchanged (nil included), and a nil tracer gives the counter
// alone.
func (m *Metrics) WithTracer(tracer pgx.QueryTracer) pgx.QueryTracer {
	switch {
	case m == nil:
		return tracer
	case tracer == nil:
		return Tracer{}
	}
	return multitracer.New(tracer, Tracer{})
}

// Tracer is a pgx tracer that adds each statement to the counts of the request whose context it runs in
// (Instrument put them there); statements outside a request (jobs, start-up) are not counted. Compose it
// with the pool's other tracers (pgx/v5/multitracer).
type Tracer struct{}

var (
	_ pgx.QueryTracer = Tracer{}
	_ pgx.BatchTracer = Tracer{}
)

// TraceQueryStart implements pgx.QueryTracer: one statement, one round trip.
func (Tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if counts, ok := ctx.Value(requestKey{}).(*request); ok {
		counts.statements.Add(1)
		counts.roundTrips.Add(1)
	}
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (Tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart implements pgx.BatchTracer: every queued statement, one round trip.
func (Tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	if counts, ok := ctx.Value(requestKey{}).(*request); ok {
		if data.Batch != nil {
			counts.statements.Add(int64(len(data.Batch.QueuedQueries)))
		}
		counts.roundTrips.Add(1)
	}
	return ctx
}

// TraceBatchQuery implements pgx.BatchTracer.
func (Tracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd implements pgx.BatchTracer.
func (Tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}
