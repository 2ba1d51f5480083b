package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testdb"
)

const (
	// rtt is the delay the proxy adds to every PostgreSQL round trip.
	rtt = 50 * time.Millisecond
	// warmSamples back-to-back requests give the warm median and p95.
	warmSamples = 20
	// idleGap separates each of idleSamples requests from the previous one.
	idleGap     = 1500 * time.Millisecond
	idleSamples = 3
	// outDir is the repository's bench directory, seen from this package's directory (go test's working dir).
	outDir = "../../bench"
)

// paths are the authenticated reads measured, relative to /api.
var paths = []string{"/tasks", "/residences", "/contractors", "/documents", "/static-data", "/auth/me"}

// TestLatencyQuick is `make bench-quick`: every read in paths, first after a fresh start, warm back to back
// and warm after a short idle gap, at one RTT.
func TestLatencyQuick(t *testing.T) {
	if os.Getenv("HOMEKEEP_BENCH") == "" {
		t.Skip("a measurement, not a test: run it with `make bench-quick`")
	}
	directURL := testdb.New(t)
	proxyAddr := DelayedProxy(t, "postgres", hostOf(t, directURL), rtt)
	proxiedURL := WithHost(t, directURL, proxyAddr)
	valkeyURL, prefix := apptest.SharedValkey(t)

	res := Results{Date: time.Now().UTC().Format(time.RFC3339), ConfiguredRTTMs: ms(rtt),
		MeasuredRTTMs: ms(selectOneRTT(t, proxiedURL)), DirectRTTMs: ms(selectOneRTT(t, directURL)),
		WarmSamples: warmSamples, IdleSamples: idleSamples, IdleGap: idleGap.String(),
		Seed: "3 residences with 2 members each, 60 tasks (10 in each of the 6 board columns), 10 contractors, 20 documents",
		NotMeasured: []string{
			"PgBouncer (`DB_POOLER=pgbouncer-transaction`)",
			"throughput against a minimal reference server (c=32, c=64), `POST /auth/login`, a mixed workload",
			"idle gaps of 60 s and 10 min (`make bench-long`), cold caches with a warm pool, a token Valkey forgot",
			"100 ms RTT; Valkey behind the proxy; 10,000 other users; memory; plans at scale",
		}}
	t.Logf("RTT: configured %v, SELECT 1 through the proxy %.1f ms, directly %.2f ms",
		rtt, res.MeasuredRTTMs, res.DirectRTTMs)
	require.InDelta(t, ms(rtt), res.MeasuredRTTMs, ms(rtt)*0.2, "the proxy does not add the configured RTT")

	// Seed directly (fast), through an instance sharing Valkey, so the token is known to Valkey afterwards.
	seeder := apptest.Start(t, apptest.Options{DatabaseURL: directURL, ValkeyURL: valkeyURL, KeyPrefix: prefix})
	token := seed(t, seeder)
	seeder.Stop(t)

	for _, path := range paths {
		// A new instance per path, so each path's first request is the first after a start.
		inst := apptest.Start(t, apptest.Options{DatabaseURL: proxiedURL, ValkeyURL: valkeyURL, KeyPrefix: prefix,
			NoSeed: true, Configure: productionPool(t)})
		res.Endpoints = append(res.Endpoints, measure(t, inst, token, path))
		inst.Stop(t)
		e := res.Endpoints[len(res.Endpoints)-1]
		t.Logf("%-13s first %7.1f ms (%d sql) | warm median %6.1f p95 %6.1f ms (%.2f sql) | after %v idle %6.1f ms (%.2f sql)",
			path, e.FirstMs, e.FirstSQL, e.WarmMedianMs, e.WarmP95Ms, e.WarmSQL, idleGap, e.IdleMs, e.IdleSQL)
	}
	require.NoError(t, res.Write(outDir))
}

// productionPool restores the pool sizes of the default configuration, which apptest shrinks for tests.
func productionPool(t *testing.T) func(*config.Config) {
	def, err := config.Load(func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	return func(c *config.Config) { c.DBMinConns, c.DBMaxConns = def.DBMinConns, def.DBMaxConns }
}

// measure times path on a just-started inst: once first, then warm back to back, then after idle gaps.
func measure(t *testing.T, inst *apptest.Instance, token, path string) Endpoint {
	hc := &http.Client{Timeout: 30 * time.Second} // not the contract-checking client: measure the server
	get := func() (time.Duration, int64) {
		before := inst.Stmts.Snapshot()
		req, err := http.NewRequest(http.MethodGet, inst.API+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := hc.Do(req)
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, resp.Body)
		took := time.Since(start)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		return took, inst.Stmts.RoundTrips(before)
	}
	e := Endpoint{Path: "/api" + path}
	s := inst.Stmts.Snapshot()
	first, firstSQL := get()
	e.FirstMs, e.FirstSQL = ms(first), firstSQL
	for _, q := range inst.Stmts.Since(s) {
		e.FirstStatements = append(e.FirstStatements, shorten(q, 100))
	}

	for range 5 {
		get()
	}
	warm, sql := make([]time.Duration, 0, warmSamples), int64(0)
	for range warmSamples {
		d, n := get()
		warm, sql = append(warm, d), sql+n
	}
	e.WarmMedianMs, e.WarmP95Ms = ms(percentile(warm, 50)), ms(percentile(warm, 95))
	e.WarmSQL = float64(sql) / warmSamples

	idle, sql := make([]time.Duration, 0, idleSamples), int64(0)
	for range idleSamples {
		time.Sleep(idleGap) // the idle gap is what is measured, not a wait for a signal
		d, n := get()
		idle, sql = append(idle, d), sql+n
	}
	e.IdleMs, e.IdleSQL = ms(percentile(idle, 50)), float64(sql)/idleSamples
	return e
}

// shorten returns the first n bytes of q's whitespace-collapsed text.
func shorten(q string, n int) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > n {
		return q[:n] + "…"
	}
	return q
}

// selectOneRTT returns the median time of a bare SELECT 1 on one connection to databaseURL.
func selectOneRTT(t *testing.T, databaseURL string) time.Duration {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL)
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close(ctx)) }()
	var ds []time.Duration
	for i := range 13 {
		start := time.Now()
		_, err := conn.Exec(ctx, "SELECT 1", pgx.QueryExecModeSimpleProtocol)
		require.NoError(t, err)
		if i >= 3 { // the first ones may still set up the session
			ds = append(ds, time.Since(start))
		}
	}
	return percentile(ds, 50)
}

// hostOf returns the host:port of a database URL.
func hostOf(t *testing.T, databaseURL string) string {
	cfg, err := pgx.ParseConfig(databaseURL)
	require.NoError(t, err)
	return fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
}

// seed gives a new account 3 residences (each with a second member), 60 tasks spread evenly over the six
// board columns, 10 contractors and 20 documents, checks that the board shows every column filled, and
// returns the account's token.
func seed(t *testing.T, inst *apptest.Instance) string {
	owner := inst.Register(t)
	today := time.Now()
	var residences []int64
	for i := range 3 {
		rid := apptest.CreateResidence(t, inst, owner, fmt.Sprintf("Home %d", i+1))
		residences = append(residences, rid)
		member := inst.Register(t)
		apptest.Join(t, inst, member, apptest.ShareCode(t, inst, owner, rid, "editor"))
	}
	for i := range 60 {
		due := map[int]int{0: -10 - i, 1: 3, 2: 1 + i%20, 3: 60 + i, 4: -i, 5: 7 + i}[i%6]
		id := apptest.CreateTask(t, inst, owner, map[string]any{"residence_id": residences[i%3],
			"title": fmt.Sprintf("Task %d", i+1), "template_id": i%40 + 1,
			"due_date": today.AddDate(0, 0, due).Format(time.DateOnly)})
		action := map[int]string{1: "in-progress", 4: "archive", 5: "cancel"}[i%6]
		if action != "" {
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: fmt.Sprintf("/tasks/%d/%s", id, action),
				Token: owner.Token})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		}
	}
	for i := range 10 {
		apptest.CreateContractor(t, inst, owner, map[string]any{"residence_id": residences[i%3],
			"name": fmt.Sprintf("Contractor %d", i+1)})
	}
	for i := range 20 {
		apptest.CreateDocument(t, inst, owner, map[string]any{"residence_id": residences[i%3],
			"title": fmt.Sprintf("Document %d", i+1)})
	}
	board := apptest.Expect[client.Board](t, inst, apptest.Request{Method: http.MethodGet, Path: "/tasks",
		Token: owner.Token}, http.StatusOK)
	for _, c := range board.Columns {
		require.Len(t, c.Tasks, 10, "column %s", c.Name)
	}
	apptest.Warm(t, inst, owner.Token) // the token and its user are in Valkey
	return owner.Token
}
