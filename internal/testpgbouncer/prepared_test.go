package testpgbouncer_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testpgbouncer"
)

// warmReads is how many warm board reads the test times and counts on each instance.
const warmReads = 200

// TestHotReadsStayPreparedThroughPgBouncer runs the household flow behind a PgBouncer 1.21+ in transaction
// mode with max_prepared_statements, with DB_POOLER_PREPARED=true, and requires every request to cost what
// it costs directly, and the hot reads to stay prepared: PostgreSQL's one server connection holds them
// (pg_prepared_statements), and warm board reads reach it as executions of that statement (one Bind each)
// with no Parse (SHOW STATS). It is skipped, naming HOMEKEEP_PGBOUNCER, with an older pgbouncer.
func TestHotReadsStayPreparedThroughPgBouncer(t *testing.T) {
	t.Parallel()
	// One server connection, so pg_prepared_statements on it shows everything pgbouncer prepared.
	pb := testpgbouncer.Start(t, testpgbouncer.Options{PoolSize: 1, MaxPreparedStatements: 200})
	t.Logf("through %s (%s)", pb.Version, pb.Binary)

	// No built boards kept in-process, so every board read goes to PostgreSQL.
	direct := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) {
		c.DBPooler, c.BoardCacheSize = config.PoolerNone, 0
	}})
	prepared := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) {
		c.DatabaseURL = pb.URL(t, c.DatabaseURL)
		c.DBPooler = config.PoolerPgBouncerTransaction
		c.DBPoolerPrepared, c.BoardCacheSize = true, 0
	}})
	directCosts, dh := runFlow(t, direct)
	preparedCosts, ph := runFlow(t, prepared)
	for _, s := range householdFlow {
		require.Equal(t, directCosts[s.name], preparedCosts[s.name], "%s costs the same through PgBouncer (prepared) as directly", s.name)
	}

	pooledURL := pb.URL(t, prepared.DatabaseURL)
	database := strings.TrimPrefix(mustURL(t, pooledURL).Path, "/")
	planned := serverPrepared(t, pooledURL)
	for _, name := range []string{"AuthTokenUser", "TaskBoard", "TaskBoardByToken", "ResidenceListByToken"} {
		require.Contains(t, planned, name, "the hot statement %s is prepared on PostgreSQL's server connection", name)
	}

	before := pb.Stats(t, database)
	preparedTime := warmBoard(t, prepared, ph.owner.Token)
	after := pb.Stats(t, database)
	executed := serverPrepared(t, pooledURL)["TaskBoard"] - planned["TaskBoard"]
	require.Equal(t, int64(warmReads+1), executed, "every board read (and warmBoard's first) ran the prepared TaskBoard on PostgreSQL")
	require.Zero(t, after["total_server_parse_count"]-before["total_server_parse_count"],
		"no warm board read made pgbouncer parse a statement again")
	require.GreaterOrEqual(t, after["total_bind_count"]-before["total_bind_count"], int64(warmReads+1),
		"each warm board read bound the prepared statement")

	// The same reads unprepared (DB_POOLER_PREPARED=false): PostgreSQL parses and plans each one.
	unprepared := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) {
		c.DatabaseURL = pb.URL(t, c.DatabaseURL)
		c.DBPooler, c.BoardCacheSize = config.PoolerPgBouncerTransaction, 0
	}})
	_, uh := runFlow(t, unprepared)
	unpreparedTime := warmBoard(t, unprepared, uh.owner.Token)
	directTime := warmBoard(t, direct, dh.owner.Token)
	t.Logf("warm GET /tasks, median of %d: direct %s, PgBouncer prepared %s, PgBouncer unprepared %s",
		warmReads, directTime, preparedTime, unpreparedTime)
	t.Logf("SHOW STATS over the prepared reads: %d binds, %d server parses, %d client parses",
		after["total_bind_count"]-before["total_bind_count"],
		after["total_server_parse_count"]-before["total_server_parse_count"],
		after["total_client_parse_count"]-before["total_client_parse_count"])
}

// warmBoard reads the board once to warm up, then warmReads times, requires each of those to be one round
// trip, and returns the median time of one read.
func warmBoard(t *testing.T, inst *apptest.Instance, token string) time.Duration {
	t.Helper()
	req := apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: token}
	apptest.Expect[client.Board](t, inst, req, http.StatusOK) // warm
	times := make([]time.Duration, 0, warmReads)
	for range warmReads {
		before := inst.Stmts.Snapshot()
		start := time.Now()
		apptest.Expect[client.Board](t, inst, req, http.StatusOK)
		times = append(times, time.Since(start))
		require.Equal(t, int64(1), inst.Stmts.RoundTrips(before), "a warm board read is one round trip")
	}
	slices.Sort(times)
	return times[len(times)/2]
}

// serverPrepared returns the statements prepared on the server connection a new client of pooledURL lands
// on, with how many times each was executed (generic_plans + custom_plans).
func serverPrepared(t *testing.T, pooledURL string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(pooledURL)
	require.NoError(t, err)
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	rows, err := conn.Query(ctx, `SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements`)
	require.NoError(t, err)
	m := map[string]int64{}
	var sql string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&sql, &n}, func() error { m[queryName(sql)] = n; return nil })
	require.NoError(t, err)
	return m
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

// sqlcName matches the comment sqlc starts each generated statement with: "-- name: TaskBoard :many".
var sqlcName = regexp.MustCompile(`^-- name: (\w+) `)

// queryName is a prepared statement's sqlc query name (its text when it has none), so the test names the hot
// statements without importing the generated queries (only internal/app may).
func queryName(sql string) string {
	if m := sqlcName.FindStringSubmatch(sql); m != nil {
		return m[1]
	}
	return sql
}
