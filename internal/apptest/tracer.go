package apptest

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// Tracer counts what a process sends to PostgreSQL: statements (each is one round trip in exec mode, a batch
// is one round trip however many statements it holds) and new connections. Hooks let a test pause a
// connection attempt or a statement.
type Tracer struct {
	queries  atomic.Int64
	batches  atomic.Int64
	connects atomic.Int64

	mu  sync.Mutex
	sql []string

	// BeforeConnect, when set, runs before each connection attempt (a test may block in it).
	BeforeConnect func(ctx context.Context)
	// BeforeQuery, when set, runs before each statement with its SQL (a test may block in it).
	BeforeQuery func(ctx context.Context, sql string)
}

var (
	_ pgx.QueryTracer   = (*Tracer)(nil)
	_ pgx.BatchTracer   = (*Tracer)(nil)
	_ pgx.ConnectTracer = (*Tracer)(nil)
)

// TraceQueryStart implements pgx.QueryTracer.
func (tr *Tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	tr.queries.Add(1)
	tr.mu.Lock()
	tr.sql = append(tr.sql, data.SQL)
	tr.mu.Unlock()
	if tr.BeforeQuery != nil {
		tr.BeforeQuery(ctx, data.SQL)
	}
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (tr *Tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart implements pgx.BatchTracer.
func (tr *Tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	tr.batches.Add(1)
	return ctx
}

// TraceBatchQuery implements pgx.BatchTracer.
func (tr *Tracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd implements pgx.BatchTracer.
func (tr *Tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// TraceConnectStart implements pgx.ConnectTracer.
func (tr *Tracer) TraceConnectStart(ctx context.Context, _ pgx.TraceConnectStartData) context.Context {
	if tr.BeforeConnect != nil {
		tr.BeforeConnect(ctx)
	}
	return ctx
}

// TraceConnectEnd implements pgx.ConnectTracer.
func (tr *Tracer) TraceConnectEnd(_ context.Context, data pgx.TraceConnectEndData) {
	if data.Err == nil {
		tr.connects.Add(1)
	}
}

// Snapshot is the counters at one moment; Sub gives what happened between two.
type Snapshot struct {
	Queries, Batches, Connects int64
	sqlLen                     int
}

// Snapshot returns the current counters.
func (tr *Tracer) Snapshot() Snapshot {
	tr.mu.Lock()
	n := len(tr.sql)
	tr.mu.Unlock()
	return Snapshot{Queries: tr.queries.Load(), Batches: tr.batches.Load(), Connects: tr.connects.Load(), sqlLen: n}
}

// Since returns the statements sent since s, for failure messages.
func (tr *Tracer) Since(s Snapshot) []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.sql[s.sqlLen:]...)
}

// RoundTrips returns how many database round trips happened since s.
func (tr *Tracer) RoundTrips(s Snapshot) int64 {
	now := tr.Snapshot()
	return now.Queries - s.Queries + now.Batches - s.Batches
}
