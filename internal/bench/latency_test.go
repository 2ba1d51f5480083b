package bench

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/config"
)

// valkeyRTT is the delay the proxy in front of Valkey adds, so that Valkey round trips show in the timings.
const valkeyRTT = time.Millisecond

// request is one request the latency matrix times. Path is relative to /api.
type request struct {
	name         string
	method, path string
	// conditional requests send If-None-Match with the board's latest tag; 304 and 200 are both answers.
	conditional bool
	// body returns the i-th sample's JSON body (nil: none).
	body func(i int) string
	want int
}

// reads are the authenticated reads of issue 11, and the board sent with the tag the client holds.
var reads = []request{
	{name: "GET /api/tasks", method: http.MethodGet, path: "/tasks", want: http.StatusOK},
	{name: "GET /api/residences", method: http.MethodGet, path: "/residences", want: http.StatusOK},
	{name: "GET /api/contractors", method: http.MethodGet, path: "/contractors", want: http.StatusOK},
	{name: "GET /api/documents", method: http.MethodGet, path: "/documents", want: http.StatusOK},
	{name: "GET /api/static-data", method: http.MethodGet, path: "/static-data", want: http.StatusOK},
	{name: "GET /api/auth/me", method: http.MethodGet, path: "/auth/me", want: http.StatusOK},
	{name: ConditionalBoard, method: http.MethodGet, path: "/tasks", conditional: true, want: http.StatusNotModified},
}

// latencyPath is one way to PostgreSQL (directly or through PgBouncer) at one RTT, with its results.
type latencyPath struct {
	pooler string
	rtt    time.Duration
	// dbURL reaches PostgreSQL through the delaying proxy (and PgBouncer, if pooled).
	dbURL string
	run   LatencyRun
}

// latency runs the matrix: every read in every state, and two writes, for every path. Each (path, read) is a
// job of its own with its own processes, token and Valkey key prefix, so jobs run side by side (their idle
// gaps overlap) without disturbing each other's caches.
func (b *bench) latency(t *testing.T, env *benchEnv) {
	m := b.mode
	valkeyURL := WithHost(t, env.valkeyURL, DelayedProxy(t, "valkey", urlHost(t, env.valkeyURL), valkeyRTT))
	vkRTT := ms(pingRTT(t, valkeyURL))

	var paths []*latencyPath
	for _, rtt := range m.rtts {
		addr := DelayedProxy(t, fmt.Sprintf("postgres-%v", rtt), hostOf(t, env.directURL), rtt)
		paths = append(paths, &latencyPath{pooler: PoolerNone, rtt: rtt, dbURL: WithHost(t, env.directURL, addr)})
	}
	if m.pgbouncer {
		pb, err := StartPgBouncer(t, PgBouncerOptions{Upstream: hostOf(t, env.directURL), PoolSize: 10})
		switch {
		case errors.Is(err, ErrNoPgBouncer):
			b.addNote("PgBouncer: not measured, " + err.Error())
		case err != nil:
			require.NoError(t, err)
		default:
			b.mu.Lock()
			b.res.Machine.PgBouncer = pb.Version
			b.mu.Unlock()
			for _, rtt := range m.rtts {
				addr := DelayedProxy(t, fmt.Sprintf("pgbouncer-%v", rtt), pb.Addr, rtt)
				paths = append(paths, &latencyPath{pooler: PoolerPgBouncer, rtt: rtt,
					dbURL: WithHost(t, env.directURL, addr)})
			}
		}
	}
	for _, p := range paths {
		p.run = LatencyRun{Pooler: p.pooler, ConfiguredRTTMs: ms(p.rtt), MeasuredRTTMs: ms(selectOneRTT(t, p.dbURL)),
			ValkeyRTTMs: vkRTT, Rows: make([]LatencyRow, len(reads)), Writes: make([]LatencyRow, 2)}
		t.Logf("%s at %v: SELECT 1 takes %.1f ms; Valkey PING %.2f ms", p.pooler, p.rtt, p.run.MeasuredRTTMs, vkRTT)
		require.InDelta(t, ms(p.rtt), p.run.MeasuredRTTMs, ms(p.rtt)*0.2+2, "the proxy does not add the configured RTT")
	}

	// Direct jobs hold a pool of DB_MIN_CONNS connections each: run as many at once as PostgreSQL has room
	// for beside the other work on this server. Jobs through PgBouncer share its pool.
	direct := make(chan struct{}, directSlots(t, env.directURL))
	pooled := make(chan struct{}, 5)
	t.Logf("running up to %d direct and %d pooled latency jobs at once", cap(direct), cap(pooled))
	t.Run("Jobs", func(t *testing.T) {
		for pi, p := range paths {
			slots := direct
			if p.pooler != PoolerNone {
				slots = pooled
			}
			name := fmt.Sprintf("%s_%v", p.pooler, p.rtt)
			for i, rq := range reads {
				t.Run(name+"_"+strings.NewReplacer(" ", "_", "/", "_").Replace(rq.name), func(t *testing.T) {
					t.Parallel()
					slots <- struct{}{}
					defer func() { <-slots }()
					row := &p.run.Rows[i]
					*row = LatencyRow{Request: rq.name, Cells: map[string]*Cell{}}
					defer markFailed(t, row)
					b.readJob(t, env, p, rq, valkeyURL, row)
				})
			}
			t.Run(name+"_writes", func(t *testing.T) {
				t.Parallel()
				slots <- struct{}{}
				defer func() { <-slots }()
				defer func() {
					for i := range p.run.Writes {
						markFailed(t, &p.run.Writes[i])
					}
				}()
				b.writesJob(t, env, p, valkeyURL, pi+1)
			})
		}
	})
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range paths {
		b.res.Latency = append(b.res.Latency, p.run)
	}
}

// markFailed notes on row that its job failed, for the results page.
func markFailed(t *testing.T, row *LatencyRow) {
	if t.Failed() {
		row.Error = "the job failed (see the test log)"
	}
}

// directSlots is how many direct latency jobs fit beside what PostgreSQL already serves, keeping a margin
// for other work: each holds DB_MIN_CONNS connections (and a few more while it starts).
func directSlots(t *testing.T, databaseURL string) int {
	t.Helper()
	var maxConns, used int
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL)
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close(ctx)) }()
	require.NoError(t, conn.QueryRow(ctx, "SELECT current_setting('max_connections')::int, "+
		"(SELECT count(*) FROM pg_stat_activity)::int").Scan(&maxConns, &used))
	const margin, perJob = 30, 11
	return min(max((maxConns-used-margin)/perJob, 1), 5)
}

// instanceConfig restores the default pool sizes (apptest shrinks them for tests) and sets the pooler.
func instanceConfig(t *testing.T, pooler string) func(*config.Config) {
	t.Helper()
	def, err := config.Load(func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	return func(c *config.Config) {
		c.DBMinConns, c.DBMaxConns = def.DBMinConns, def.DBMaxConns
		c.DBPooler = pooler
	}
}

// readJob measures rq in every state on p into row. A first process on a fresh key prefix meets cold
// caches (its pool is warm); a second one on the same prefix is the first after a restart. Both are
// repeated startRepeats times, each time on a new prefix, and the median kept. The last second process is
// then measured warm, with its token deleted from Valkey, and after each idle gap.
func (b *bench) readJob(t *testing.T, env *benchEnv, p *latencyPath, rq request, valkeyURL string, row *LatencyRow) {
	m := b.mode
	token := env.newOwnerToken(t)
	etag := env.boardETag
	mt := &meter{t: t, hc: newHTTPClient(), token: token, rq: rq, etag: &etag, rtt: p.run.MeasuredRTTMs}
	var cold, first []sample
	var inst *apptest.Instance
	var prefix string
	for rep := range m.startRepeats {
		_, prefix = apptest.SharedValkey(t) // a key prefix of this start's own, deleted when the job ends
		start := func() *apptest.Instance {
			return apptest.Start(t, apptest.Options{DatabaseURL: p.dbURL, ValkeyURL: valkeyURL, KeyPrefix: prefix,
				NoSeed: true, Configure: instanceConfig(t, p.pooler)})
		}
		c := start()
		cold = append(cold, mt.do(c))
		// The cold request's cache fills are written in the background: let them land, so that the next
		// process finds the token, the user and the cached data in Valkey.
		mt.cell(c, 5, 0)
		apptest.Warm(t, c, token)
		c.Stop(t)
		inst = start()
		first = append(first, mt.do(inst))
		if rep < m.startRepeats-1 {
			inst.Stop(t)
		}
	}
	row.Cells[StateCold], row.Cells[StateFirst] = mt.summarize(cold), mt.summarize(first)
	mt.cell(inst, 5, 0)
	row.Cells[StateWarm] = mt.cell(inst, m.warmSamples, 0)

	h := authcache.HashToken(token)
	vk := newValkey(t, env.valkeyURL)
	var forgot []sample
	for range m.startRepeats {
		require.NoError(t, vk.Do(context.Background(),
			vk.B().Del().Key(prefix+"auth_token:"+hex.EncodeToString(h[:])).Build()).Error())
		time.Sleep(100 * time.Millisecond) // Valkey's invalidation reaches the process's client-side cache
		forgot = append(forgot, mt.do(inst))
		apptest.Warm(t, inst, token)
		mt.cell(inst, 3, 0)
	}
	row.Cells[StateForgot] = mt.summarize(forgot)

	for _, gap := range m.idleGaps {
		n := m.idleSamples
		if gap >= time.Minute {
			n = 1
		}
		row.Cells[idleState(gap)] = mt.cell(inst, n, gap)
	}
	inst.Stop(t)
}

// idleState names the state of an idle gap.
func idleState(gap time.Duration) string {
	switch {
	case gap < time.Minute:
		return StateIdle1500
	case gap < 10*time.Minute:
		return StateIdle60
	default:
		return StateIdle600
	}
}

// writesJob measures two writes, warm, as user n of the other households (never the realistic account,
// whose board the read jobs compare tags of).
func (b *bench) writesJob(t *testing.T, env *benchEnv, p *latencyPath, valkeyURL string, n int) {
	_, prefix := apptest.SharedValkey(t)
	inst := apptest.Start(t, apptest.Options{DatabaseURL: p.dbURL, ValkeyURL: valkeyURL, KeyPrefix: prefix,
		NoSeed: true, Configure: instanceConfig(t, p.pooler)})
	token := otherToken(n)
	var task int64
	require.NoError(t, pgxQueryRow(t, env.directURL, "SELECT t.id FROM tasks t JOIN residences r ON r.id = t.residence_id "+
		"WHERE r.owner_id = $1 AND t.interval_days IS NOT NULL ORDER BY t.id LIMIT 1", []any{otherUserID(n)}, &task))
	writes := []request{
		{name: "PATCH /api/tasks/{id}", method: http.MethodPatch, path: fmt.Sprintf("/tasks/%d", task),
			body: func(i int) string { return fmt.Sprintf(`{"description":"Checked by the bench, time %d"}`, i) },
			want: http.StatusOK},
		{name: "POST /api/tasks/{id}/completions", method: http.MethodPost, path: fmt.Sprintf("/tasks/%d/completions", task),
			body: func(int) string { return `{}` }, want: http.StatusCreated},
	}
	apptest.Warm(t, inst, token)
	for i, rq := range writes {
		p.run.Writes[i] = LatencyRow{Request: rq.name, Cells: map[string]*Cell{}}
		mt := &meter{t: t, hc: newHTTPClient(), token: token, rq: rq, rtt: p.run.MeasuredRTTMs}
		mt.cell(inst, 3, 0)
		p.run.Writes[i].Cells[StateWarm] = mt.cell(inst, b.mode.writeSamples, 0)
	}
	inst.Stop(t)
}

// pgxQueryRow runs one query on databaseURL and scans its row.
func pgxQueryRow(t *testing.T, databaseURL, sql string, args []any, dest ...any) error {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL)
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close(ctx)) }()
	return conn.QueryRow(ctx, sql, args...).Scan(dest...)
}

// newHTTPClient is a plain client (not the contract-checking one: the bench measures the server).
func newHTTPClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableCompression: true,
		IdleConnTimeout: 20 * time.Minute}}
}

// meter times one request on instances.
type meter struct {
	t     *testing.T
	hc    *http.Client
	token string
	rq    request
	// etag is the board tag the client holds, updated from every answer.
	etag *string
	rtt  float64
	n    int
}

// sample is one timed request: its statements, round trips to PostgreSQL, the longest chain of them that
// had to wait for one another (Tracer.Sequential), and Valkey round trips.
type sample struct {
	took                    time.Duration
	sql, trips, seq, valkey int64
	status                  int
	statements              []string
}

// cell sends n requests to inst, each gap after the previous one, and summarizes them.
func (m *meter) cell(inst *apptest.Instance, n int, gap time.Duration) *Cell {
	samples := make([]sample, 0, n)
	for range n {
		if gap > 0 {
			time.Sleep(gap) // the idle gap is what is measured, not a wait for a signal
		}
		samples = append(samples, m.do(inst))
	}
	return m.summarize(samples)
}

// summarize gives the median of samples (and the p95 of ten or more), statements and Valkey round trips per
// request, the unexpected status if any, and what the median sample ran when there are few.
func (m *meter) summarize(samples []sample) *Cell {
	n := len(samples)
	c := &Cell{Samples: n}
	ds := make([]time.Duration, n)
	var sql, trips, seq, vk int64
	for i, s := range samples {
		ds[i], sql, trips, seq, vk = s.took, sql+s.sql, trips+s.trips, seq+s.seq, vk+s.valkey
		if c.Status == 0 || s.status != m.rq.want {
			c.Status = s.status
		}
	}
	med := percentile(ds, 50)
	c.Ms = ms(med)
	c.RTT = c.Ms / m.rtt
	if n >= 10 {
		c.P95Ms = ms(percentile(ds, 95))
	}
	per := func(v int64) float64 { return float64(v) / float64(n) }
	c.SQL, c.RoundTrips, c.Sequential, c.Valkey = per(sql), per(trips), per(seq), per(vk)
	if n <= 3 {
		for _, s := range samples {
			if s.took == med {
				c.Statements = s.statements
				break
			}
		}
	}
	return c
}

// do sends one request and counts what the process did for it.
func (m *meter) do(inst *apptest.Instance) sample {
	t := m.t
	m.n++
	var body io.Reader
	if m.rq.body != nil {
		body = strings.NewReader(m.rq.body(m.n))
	}
	req, err := http.NewRequest(m.rq.method, inst.API+m.rq.path, body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+m.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if m.rq.conditional && *m.etag != "" {
		req.Header.Set("If-None-Match", *m.etag)
	}
	before, vkBefore := inst.Stmts.Snapshot(), valkeyTrips(inst)
	start := time.Now()
	resp, err := m.hc.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	s := sample{took: took, sql: inst.Stmts.Statements(before), trips: inst.Stmts.RoundTrips(before),
		seq: inst.Stmts.Sequential(before), valkey: valkeyTrips(inst) - vkBefore, status: resp.StatusCode}
	for _, q := range inst.Stmts.Since(before) {
		s.statements = append(s.statements, shorten(q, 100))
	}
	if tag := resp.Header.Get("ETag"); m.etag != nil && tag != "" {
		*m.etag = tag
	}
	if resp.StatusCode != m.rq.want && (!m.rq.conditional || resp.StatusCode != http.StatusOK) {
		t.Errorf("%s: status %d, want %d: %s", m.rq.name, resp.StatusCode, m.rq.want, b)
	}
	return s
}

// valkeyTrips returns the request-path Valkey round trips inst has made.
func valkeyTrips(inst *apptest.Instance) int64 {
	if inst.Valkey == nil {
		return 0
	}
	return inst.Valkey.RoundTrips()
}

// shorten returns the first n bytes of q's whitespace-collapsed text.
func shorten(q string, n int) string {
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > n {
		return q[:n] + "…"
	}
	return q
}
