package dbpool

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// preparedKey marks, in a connection's pgconn custom data, that preparing the hot statements was attempted on it
// outside a request. The mark lives and dies with the connection, so a replacement (for one dropped because its
// client gave up mid-request, or expired) starts unmarked.
const preparedKey = "homekeep.dbpool.prepared"

// plannedKey marks a connection whose hot statements were planned (planPipelined), so Warm, which prepares
// again after migrations, does not plan them twice.
const plannedKey = "homekeep.dbpool.planned"

// prepareTimeout bounds one background preparation, which otherwise holds its connection out of the pool.
const prepareTimeout = 10 * time.Second

// prepare prepares stmts on conn in one round trip (preparePipelined), skipping those already prepared, and
// marks conn as prepared. A statement that fails to prepare, usually because the schema is not migrated yet,
// is left out (it still runs, planned on each execution); Warm prepares again after migrations.
//
// With plan, it then plans them too (planPipelined), so that not even the first request on conn waits for
// PostgreSQL's planner.
func prepare(ctx context.Context, conn *pgx.Conn, stmts []string, plan bool) {
	conn.PgConn().CustomData()[preparedKey] = true
	ok, err := preparePipelined(ctx, conn, stmts)
	if !errors.Is(err, errNoRegistry) {
		if ok && plan && conn.PgConn().CustomData()[plannedKey] == nil {
			conn.PgConn().CustomData()[plannedKey] = true
			_ = planPipelined(ctx, conn, stmts) // a failure only leaves the planning to the first request
		}
		return
	}
	for _, sql := range stmts { // one round trip each
		if _, err := conn.Prepare(ctx, sql, sql); err != nil {
			return
		}
	}
}

// prepared reports whether the hot statements were prepared on conn (or attempted).
func prepared(conn *pgx.Conn) bool {
	done, _ := conn.PgConn().CustomData()[preparedKey].(bool)
	return done
}

// preparer holds the hooks that give every pooled connection the hot statements without a request waiting
// for them.
//
// A connection the pool opens in the background (MinConns, replacements by the health check) is prepared in
// AfterConnect, before it serves. One opened for a waiting request (a burst beyond MinConns, or the
// replacement of a connection dropped mid-request) is not: its request would wait for the preparation. It
// serves that request unprepared (its statements are planned, one round trip each as always), and when the
// request releases it, AfterRelease prepares it before it goes back to the idle set. pgxpool runs
// AfterRelease on its own goroutine, so the request has already had its connection back; meanwhile the pool
// counts the connection as in use and serves others from the rest.
type preparer struct {
	stmts     []string
	onRequest func(context.Context) bool
	// plan: the connection's plan_cache_mode is PlanCacheGeneric, so planning ahead is worth it.
	plan bool
}

// afterConnect prepares a connection opened outside a request. It never fails the connection: an unprepared
// statement still runs, only planned on each execution.
func (p preparer) afterConnect(ctx context.Context, conn *pgx.Conn) error {
	if p.onRequest == nil || !p.onRequest(ctx) {
		prepare(ctx, conn, p.stmts, p.plan)
	}
	return nil
}

// afterRelease prepares a connection that served a request unprepared, before the pool hands it out again.
// It keeps every connection pgx did not close.
func (p preparer) afterRelease(conn *pgx.Conn) bool {
	if !prepared(conn) {
		ctx, cancel := context.WithTimeout(context.Background(), prepareTimeout)
		prepare(ctx, conn, p.stmts, p.plan)
		cancel()
	}
	return !conn.IsClosed()
}
