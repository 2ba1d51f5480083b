package doctor

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/migrate"
)

// postgresHost returns host:port of a PostgreSQL URL, without user or password.
func postgresHost(url string) string {
	c, err := pgconn.ParseConfig(url)
	if err != nil {
		return "(unparseable DATABASE_URL)"
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port)))
}

// checkPostgres measures PostgreSQL and fills r.Postgres, r.Expected and their checks.
func checkPostgres(ctx context.Context, cfg config.Config, r *Report) {
	pg := &r.Postgres
	pg.Host = postgresHost(cfg.DatabaseURL)
	fail := func(err error) {
		pg.Error = err.Error()
		r.add("postgres", StatusFail, fmt.Sprintf("PostgreSQL at %s: %v", pg.Host, err))
	}
	// No session state whatever DB_POOLER says: doctor must work behind any pooler to tell which it is.
	// Three connections: two for the pooler probe, and goose's status.
	pool, err := dbpool.New(ctx, dbpool.Options{URL: cfg.DatabaseURL, MaxConns: 3, NoSessionState: true})
	if err != nil {
		fail(err)
		return
	}
	defer pool.Close()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		fail(fmt.Errorf("cannot connect: %w", err))
		return
	}
	pg.Reachable = true
	pgc := conn.Conn().PgConn()
	_, pg.ClientTLS = pgc.Conn().(*tls.Conn)
	rtt, err := measure(ctx, Samples, pgc.Ping)
	if err != nil {
		conn.Release()
		fail(err)
		return
	}
	pg.RTT = rtt
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version')").Scan(&pg.Version); err != nil {
		conn.Release()
		fail(fmt.Errorf("error reading the server version: %w", err))
		return
	}
	var ssl bool
	if err := conn.QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err == nil {
		pg.ServerSSL = &ssl
	}
	conn.Release()
	r.add("postgres", StatusOK, fmt.Sprintf("PostgreSQL %s at %s: round trip %s median (%s–%s)",
		pg.Version, pg.Host, ms(rtt.Median), ms(rtt.Min), ms(rtt.Max)))

	r.add(tlsVerdict(pg.ClientTLS, pg.ServerSSL))

	if det, err := DetectPooler(ctx, pool); err != nil {
		pg.Pooler = PoolerDetection{Kind: "unknown", Evidence: err.Error()}
		r.add("pooler", StatusWarn, "could not tell whether a pooler is in front of PostgreSQL: "+err.Error())
	} else {
		pg.Pooler = det
		s, msg := poolerVerdict(cfg.DBPooler, det)
		r.add("pooler", s, msg)
	}

	if pg.Pooler.Kind == PoolerKindTransaction {
		supported, err := ProbePreparedStatements(ctx, pool)
		if err == nil {
			pg.Pooler.PreparedStatements = &supported
		}
		r.add(preparedVerdict(cfg.DBPoolerPrepared, supported, err))
	}

	behindTransactionPooler := cfg.DBPooler == config.PoolerPgBouncerTransaction || pg.Pooler.Kind == PoolerKindTransaction
	checkMigrations(ctx, pool, behindTransactionPooler && cfg.DatabaseDirectURL == "", r)

	latencyVerdict(r, rtt.Median)
}

// latencyVerdict fills r.Expected from the median round trip and warns when the database is far.
func latencyVerdict(r *Report, median time.Duration) {
	r.Expected = &Expected{Warm: median, Cold: 2 * median, FirstAfterDeploy: 2 * median}
	if median > FarRTT {
		r.add("latency", StatusWarn, fmt.Sprintf("your database is far away (%s round trip); this is what each request will cost: "+
			"warm board read %s, cold %s, first after a deploy %s",
			ms(median), ms(r.Expected.Warm), ms(r.Expected.Cold), ms(r.Expected.FirstAfterDeploy)))
		return
	}
	r.add("latency", StatusOK, fmt.Sprintf("board read in database time: warm %s, cold %s, first after a deploy %s",
		ms(r.Expected.Warm), ms(r.Expected.Cold), ms(r.Expected.FirstAfterDeploy)))
}

// tlsVerdict says whether the connection to PostgreSQL is encrypted. An unencrypted one is only a warning:
// on one host or a private network it is usual, and doctor cannot tell which network it crosses.
func tlsVerdict(client bool, server *bool) (string, Status, string) {
	switch {
	case client && (server == nil || *server):
		return "tls", StatusOK, "the connection to PostgreSQL is encrypted (TLS)"
	case client:
		return "tls", StatusWarn, "this connection is encrypted, but the pooler's connection to PostgreSQL is not (pg_stat_ssl)"
	case server != nil && *server:
		return "tls", StatusWarn, "this connection is not encrypted, but the pooler's connection to PostgreSQL is"
	}
	return "tls", StatusWarn, "the connection to PostgreSQL is not encrypted (fine on a private network or one host; " +
		"otherwise add sslmode=verify-full to DATABASE_URL)"
}

// checkMigrations lists the migrations serve would apply. Pending ones are a warning: serve applies them
// at start (unless --no-migrate), or run `homekeep migrate up`. With noLock (behind a transaction pooler
// without DATABASE_DIRECT_URL) they fail the check instead: serve would refuse to start
// (service.ErrMigrateBehindPooler).
func checkMigrations(ctx context.Context, pool *pgxpool.Pool, noLock bool, r *Report) {
	states, err := migrate.Status(ctx, pool)
	if err != nil {
		r.add("migrations", StatusWarn, "could not read the migration status: "+err.Error())
		return
	}
	pending := []string{}
	for _, s := range states {
		if !s.Applied {
			pending = append(pending, s.Name)
		}
	}
	r.Postgres.PendingMigrations = pending
	if len(pending) > 0 && noLock {
		r.add("migrations", StatusFail, fmt.Sprintf("%d migrations pending (first: %s) behind a transaction pooler, where "+
			"their lock does not hold, and DATABASE_DIRECT_URL is unset: serve will refuse to start; set DATABASE_DIRECT_URL "+
			"to PostgreSQL itself, or run `DATABASE_URL=<PostgreSQL itself> homekeep migrate up`", len(pending), pending[0]))
		return
	}
	if len(pending) > 0 {
		r.add("migrations", StatusWarn, fmt.Sprintf("%d migrations pending (first: %s); serve applies them at start, "+
			"or run `homekeep migrate up`", len(pending), pending[0]))
		return
	}
	r.add("migrations", StatusOK, fmt.Sprintf("all %d migrations applied", len(states)))
}
