package dbpool

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options configures New. Zero values mean pgxpool's defaults, except where noted.
type Options struct {
	URL             string
	MaxConns        int32
	MinConns        int32
	MaxConnLifetime time.Duration
	MaxConnIdleTime time.Duration
	// NoSessionState is set behind a transaction-mode pooler (PgBouncer): no statement or description is
	// cached per connection, because consecutive transactions may run on different server connections.
	NoSessionState bool
	// PoolerPrepares says the transaction-mode pooler keeps protocol-level prepared statements itself
	// (PgBouncer 1.21+ with max_prepared_statements > 0): it tracks each client's named statements and
	// prepares them on whichever server connection runs them. With NoSessionState, Prepare is then honoured
	// as on a direct connection, so the hot statements skip parsing and planning behind the pooler too. Do
	// not set it for a pooler without that support: a statement prepared on one server connection would be
	// missing on the next.
	PoolerPrepares bool
	// Tracer observes every query; tests use it to count statements per request.
	Tracer pgx.QueryTracer
	// PlanCacheMode is PostgreSQL's plan_cache_mode for every connection (sent in the startup packet, so it
	// costs no round trip); empty keeps the server's setting. Ignored with NoSessionState, because a
	// transaction pooler refuses startup parameters it does not know. With PlanCacheGeneric, preparing a
	// connection also plans its hot statements (see planPipelined).
	PlanCacheMode string
	// Prepare lists hot statements to prepare on every connection (ignored with NoSessionState unless
	// PoolerPrepares). Each is
	// prepared under its own SQL as name, which pgx then uses for any Query or Exec of that SQL.
	Prepare []string
	// OnRequestPath reports whether a connection is being opened for a waiting request (pgxpool passes the
	// acquiring context on). Such a connection is not prepared while the request waits: it serves that request
	// unprepared and is prepared when the request releases it, before it serves another (see preparer).
	OnRequestPath func(context.Context) bool
}

// PlanCacheGeneric is the plan_cache_mode that makes PostgreSQL plan a prepared statement once, without its
// arguments, and reuse that plan. In its default mode (auto) PostgreSQL plans the first five executions of
// every prepared statement on every connection with their arguments, which for the board costs 3-10 ms each
// (against 0.3 ms to run the cached plan), before it may switch to the generic plan: the first requests on
// every new connection, and so the first requests after every deploy, pay for planning. The hot statements
// are keyed by ids, and `make bench` shows their generic plans at scale are the same index scans as the
// custom ones.
const PlanCacheGeneric = "force_generic_plan"

// New returns a pool that starts opening MinConns connections in the background at once. Call Warm before
// serving to wait for them.
//
// Every query uses pgx's QueryExecModeExec: the statement is parsed, bound and executed in one round trip,
// with parameter types inferred by the server. The default mode (prepare on first use per connection) costs a
// second round trip the first time each statement runs on each connection, which is exactly the "first
// request after a deploy" that the product promises is as cheap as any other. The hot statements (Prepare)
// are prepared up front instead, in one pipelined round trip per connection, when a connection is opened
// (or, for one opened for a waiting request, when that request releases it) and again by Warm, so they skip
// planning on every connection.
func New(ctx context.Context, o Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		return nil, fmt.Errorf("error parsing DATABASE_URL: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	cfg.MinConns = o.MinConns
	if o.MaxConnLifetime > 0 {
		cfg.MaxConnLifetime = o.MaxConnLifetime
		// Spread reconnections so connections opened together at start-up don't all expire together.
		cfg.MaxConnLifetimeJitter = o.MaxConnLifetime / 10
	}
	if o.MaxConnIdleTime > 0 {
		cfg.MaxConnIdleTime = o.MaxConnIdleTime
	}
	// Never ping on acquire. pgxpool's default pings a connection idle for a second or more, which makes every
	// human-paced request pay an extra round trip, and any threshold makes the first request after a quiet
	// spell pay it. A dead connection is found instead by the pool's background health check (which closes
	// connections idle beyond MaxConnIdleTime) or by the failing statement, which DB repeats once on a live
	// connection when it is a read.
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	cc := cfg.ConnConfig
	cc.DefaultQueryExecMode = pgx.QueryExecModeExec
	if o.NoSessionState {
		cc.StatementCacheCapacity = 0
		cc.DescriptionCacheCapacity = 0
	}
	if o.Tracer != nil {
		cc.Tracer = o.Tracer
	}
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	if _, ok := cc.RuntimeParams["application_name"]; !ok {
		cc.RuntimeParams["application_name"] = "homekeep"
	}
	if o.PlanCacheMode != "" && !o.NoSessionState {
		cc.RuntimeParams["plan_cache_mode"] = o.PlanCacheMode
	}
	if (!o.NoSessionState || o.PoolerPrepares) && len(o.Prepare) > 0 {
		// Behind a pooler plan_cache_mode is not sent, so planning ahead would fix no plan.
		plan := o.PlanCacheMode == PlanCacheGeneric && !o.NoSessionState
		p := preparer{stmts: o.Prepare, onRequest: o.OnRequestPath, plan: plan}
		cfg.AfterConnect = p.afterConnect
		cfg.AfterRelease = p.afterRelease
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("error creating database pool: %w", err)
	}
	return pool, nil
}
