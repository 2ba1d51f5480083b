package apptest

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tracer counts what a process sends to PostgreSQL: statements (each is one round trip in exec mode, a batch
// is one round trip however many statements it holds) and new connections. Hooks let a test pause a
// connection attempt or a statement.
type Tracer struct {
	queries  atomic.Int64
	batches  atomic.Int64
	connects atomic.Int64
	// batched counts the statements sent inside batches (a batch is one round trip, its statements several).
	batched atomic.Int64

	mu  sync.Mutex
	sql []string
	// trips holds when each round trip (a statement or a batch) started and ended, for Sequential.
	trips []*trip

	// BeforeConnect, when set, runs before each connection attempt (a test may block in it).
	BeforeConnect func(ctx context.Context)
	// BeforeQuery, when set, runs before each statement with its SQL (a test may block in it).
	BeforeQuery func(ctx context.Context, sql string)
	// AfterBatch, when set, runs when a batch is closed, after its results were read and before the code that
	// sent it goes on (a test may block in it).
	AfterBatch func(ctx context.Context)
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
	return tr.startTrip(ctx)
}

// TraceQueryEnd implements pgx.QueryTracer.
func (tr *Tracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	endTrip(ctx)
}

// TraceBatchStart implements pgx.BatchTracer. Each statement of the batch is listed (Since) and counted
// (Statements); the batch is one round trip.
func (tr *Tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	tr.batches.Add(1)
	if data.Batch != nil {
		tr.batched.Add(int64(len(data.Batch.QueuedQueries)))
		tr.mu.Lock()
		for _, q := range data.Batch.QueuedQueries {
			tr.sql = append(tr.sql, q.SQL)
		}
		tr.mu.Unlock()
	}
	return tr.startTrip(ctx)
}

// TraceBatchQuery implements pgx.BatchTracer.
func (tr *Tracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd implements pgx.BatchTracer.
func (tr *Tracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	endTrip(ctx)
	if tr.AfterBatch != nil {
		tr.AfterBatch(ctx)
	}
}

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
	// Batched is the statements sent inside the Batches.
	Batched int64
	sqlLen  int
	tripLen int
}

// Snapshot returns the current counters.
func (tr *Tracer) Snapshot() Snapshot {
	tr.mu.Lock()
	n, trips := len(tr.sql), len(tr.trips)
	tr.mu.Unlock()
	return Snapshot{Queries: tr.queries.Load(), Batches: tr.batches.Load(), Connects: tr.connects.Load(),
		Batched: tr.batched.Load(), sqlLen: n, tripLen: trips}
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

// Statements returns how many SQL statements were sent since s, counting each statement of a batch.
func (tr *Tracer) Statements(s Snapshot) int64 {
	now := tr.Snapshot()
	return now.Queries - s.Queries + now.Batched - s.Batched
}

// trip is one round trip's span; end is zero while it runs.
type trip struct{ start, end time.Time }

type tripKey struct{}

// startTrip records a round trip starting now and returns ctx carrying it, for endTrip.
func (tr *Tracer) startTrip(ctx context.Context) context.Context {
	rt := &trip{start: time.Now()}
	tr.mu.Lock()
	tr.trips = append(tr.trips, rt)
	tr.mu.Unlock()
	return context.WithValue(ctx, tripKey{}, rt)
}

// endTrip records that the round trip ctx carries has ended (pgx calls the end hooks on the goroutine that
// reads the result, after it has read it).
func endTrip(ctx context.Context) {
	if rt, ok := ctx.Value(tripKey{}).(*trip); ok {
		now := time.Now()
		tripMu.Lock()
		rt.end = now
		tripMu.Unlock()
	}
}

// tripMu guards the end of every trip (a trip is shared between its start and end hooks only).
var tripMu sync.Mutex

// Sequential returns how many round trips since s had to wait for one another: the longest chain of round
// trips each of which started after the previous one had ended. Round trips that overlapped (sent at the
// same time on two connections) count once; one still running counts as never ending. Wall-clock order
// alone decides, so two round trips sent one after the other always count twice, and two that could have
// overlapped but did not by chance count twice as well: the count never flatters.
func (tr *Tracer) Sequential(s Snapshot) int64 {
	tr.mu.Lock()
	trips := append([]*trip(nil), tr.trips[s.tripLen:]...)
	tr.mu.Unlock()
	tripMu.Lock()
	defer tripMu.Unlock()
	slices.SortFunc(trips, func(a, b *trip) int { return a.start.Compare(b.start) })
	// depth[i] is the longest chain ending with trips[i]; trips are in start order.
	depth := make([]int64, len(trips))
	var longest int64
	for i, t := range trips {
		depth[i] = 1
		for j := range i {
			if p := trips[j]; !p.end.IsZero() && !p.end.After(t.start) && depth[j]+1 > depth[i] {
				depth[i] = depth[j] + 1
			}
		}
		longest = max(longest, depth[i])
	}
	return longest
}
