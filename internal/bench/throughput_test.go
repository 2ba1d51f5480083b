package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
)

// statsSettle is how long PostgreSQL may take to publish a backend's transaction counts: a backend that
// flushed its statistics less than a second ago waits for its idle timeout (PGSTAT_IDLE_INTERVAL, 10 s).
const statsSettle = 11 * time.Second

// concurrencies are the loads the board is compared at (issue 11 goal 3).
var concurrencies = []int{32, 64}

// mixedUsers is how many of the other households the mixed workload spreads over.
const mixedUsers = 100

// binaries are the servers the bench runs as processes, built once per run.
type binaries struct {
	homekeep, reference string
}

var (
	builtOnce sync.Once
	built     binaries
	buildErr  error
)

// buildServers builds cmd/homekeep and internal/bench/refserver into a directory that lives as long as the
// test binary.
func buildServers(t *testing.T) binaries {
	t.Helper()
	builtOnce.Do(func() {
		dir, err := os.MkdirTemp("", "homekeep-bench-bin-")
		if err != nil {
			buildErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if built.homekeep, buildErr = GoBuild(ctx, dir, "github.com/homekeep/homekeep/cmd/homekeep"); buildErr != nil {
			return
		}
		built.reference, buildErr = GoBuild(ctx, dir, "github.com/homekeep/homekeep/internal/bench/refserver")
	})
	require.NoError(t, buildErr)
	return built
}

// homekeepSettings are the environment of a Homekeep process: the defaults, except what a bench on one
// machine needs (an address, a key prefix, files in memory, and no rate limit, which would refuse the login
// load after ten attempts a minute).
func homekeepSettings(env *benchEnv, addr, prefix string, withValkey bool) map[string]string {
	s := map[string]string{"DATABASE_URL": env.directURL, "HTTP_ADDR": addr, "CACHE_KEY_PREFIX": prefix,
		"FILE_STORAGE_URL": "mem://", "AUTH_RATE_LIMIT": "1000000"}
	if withValkey {
		s["VALKEY_URL"] = env.valkeyURL
	}
	return s
}

// startHomekeep runs `homekeep serve --no-migrate` on the bench database.
func startHomekeep(t *testing.T, bin string, settings map[string]string) *Process {
	t.Helper()
	return StartServer(t, "homekeep", bin, []string{"serve", "--no-migrate"}, EnvList(settings),
		settings["HTTP_ADDR"], "/readyz")
}

// server is a process under load, the database it uses, and (for Homekeep) the count of requests sent to
// it for its transactions per request.
type server struct {
	name string
	proc *Process
	db   string
	sent *counter
}

// supportsSetting reports whether the homekeep binary knows an environment setting (its --help lists them).
func supportsSetting(t *testing.T, bin, name string) bool {
	t.Helper()
	out, _ := exec.Command(bin, "--help").CombinedOutput() //nolint:gosec // G204: the binary the bench built
	return strings.Contains(string(out), name)
}

// throughput compares Homekeep with the reference server on the warm board at each concurrency, in
// alternating rounds, then measures Homekeep alone on the conditional board, sign-in and a mixed workload.
func (b *bench) throughput(t *testing.T, env *benchEnv) {
	m := b.mode
	bins := buildServers(t)
	// Each server gets a copy of the database of its own, so PostgreSQL's transaction counts per database
	// tell them apart. Copies need the source idle, so they are made before any server starts.
	noCache := supportsSetting(t, bins.homekeep, "BOARD_CACHE_SIZE")
	refDB := cloneDatabase(t, env.directURL, "ref")
	var noCacheDB string
	if noCache {
		noCacheDB = cloneDatabase(t, env.directURL, "nocache")
	}

	tokens := map[string]int64{env.owner.Token: env.owner.ID}
	for n := 1; n <= mixedUsers; n++ {
		tokens[otherToken(n)] = otherUserID(n)
	}
	tokensFile := filepath.Join(t.TempDir(), "tokens")
	var lines []string
	for tok, id := range tokens {
		lines = append(lines, fmt.Sprintf("%s\t%d", tok, id))
	}
	require.NoError(t, os.WriteFile(tokensFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	refAddr := FreeAddr(t)
	ref := &server{name: serverReference, db: refDB, proc: StartServer(t, "refserver", bins.reference, nil,
		EnvList(map[string]string{"DATABASE_URL": refDB, "ADDR": refAddr, "TOKENS": tokensFile}), refAddr, "/healthz")}
	_, prefix := apptest.SharedValkey(t)
	hk := &server{name: serverHomekeep, db: env.directURL,
		proc: startHomekeep(t, bins.homekeep, homekeepSettings(env, FreeAddr(t), prefix, true))}
	servers := []*server{ref, hk}
	var hkNC *server
	if noCache {
		_, prefix := apptest.SharedValkey(t)
		settings := homekeepSettings(env, FreeAddr(t), prefix, true)
		settings["DATABASE_URL"], settings["BOARD_CACHE_SIZE"] = noCacheDB, "0"
		hkNC = &server{name: serverHomekeepNoCache, db: noCacheDB, proc: startHomekeep(t, bins.homekeep, settings)}
		servers = append(servers, hkNC)
	} else {
		b.addNote("this build has no BOARD_CACHE_SIZE setting, so Homekeep's board was measured only as the defaults serve it")
	}

	th := &Throughput{Rounds: m.rounds, SecondsPerRun: m.run.Seconds(), WarmupSeconds: m.warmup.Seconds(),
		HomekeepConfig: "the defaults (`DB_MIN_CONNS` 10, `DB_MAX_CONNS` 20, `LOG_LEVEL` info with the access log " +
			"written to a file, Valkey on loopback), except `AUTH_RATE_LIMIT` lifted for the sign-in load"}
	defer func() {
		b.mu.Lock()
		b.res.Throughput = th
		b.mu.Unlock()
	}()
	board := func(srv *server) Load {
		return Load{Request: func(int64) (*http.Request, string, error) {
			return authed(http.MethodGet, srv.proc.URL+"/api/tasks", env.owner.Token, "")
		}}
	}

	// Warm board, side by side, the order rotating each round. Homekeep's transactions are counted over all
	// of a server's board runs together, since PostgreSQL publishes them late.
	settle()
	for _, srv := range servers[1:] {
		srv.sent = newCounter(t, srv.db)
	}
	for round := 1; round <= m.rounds; round++ {
		for _, c := range concurrencies {
			k := (round - 1) % len(servers)
			order := append(append([]*server(nil), servers[k:]...), servers[:k]...)
			for _, srv := range order {
				run := b.measure(t, srv, board(srv), "warm board", c, round)
				th.Runs = append(th.Runs, run)
				t.Logf("round %d c=%d %-30s %6.0f req/s p50 %5.1f ms p99 %6.1f ms errors %d peak RSS %5.1f MiB CPU %.2f ms/req",
					round, c, srv.name, run.RPS, run.P50Ms, run.P99Ms, run.Errors, run.PeakRSSMiB, run.CPUPerRequestMs)
			}
		}
	}
	settle()
	for _, srv := range servers[1:] {
		setSQL(th.Runs, srv.name, srv.sent.next(t))
	}
	th.Comparisons = compare(th.Runs, serverHomekeep)
	if hkNC != nil {
		th.Comparisons = append(th.Comparisons, compare(th.Runs, serverHomekeepNoCache)...)
	}
	// Only the defaults go on: stop the other Homekeep (the reference stays for nothing, and it is cheap).
	if hkNC != nil {
		hkNC.proc.Stop(t)
	}
	sent := hk.sent

	// The board the client already holds: 304 with no body.
	etag := boardTag(t, hk.proc.URL, env.owner.Token)
	for _, c := range concurrencies {
		l := Load{OK: func(s int) bool { return s == http.StatusNotModified },
			Request: func(int64) (*http.Request, string, error) {
				req, kind, err := authed(http.MethodGet, hk.proc.URL+"/api/tasks", env.owner.Token, "")
				if err == nil {
					req.Header.Set("If-None-Match", etag)
				}
				return req, kind, err
			}}
		th.Conditional = append(th.Conditional, b.measure(t, hk, l, "unchanged board (If-None-Match)", c, 0))
	}
	settle()
	setSQL(th.Conditional, serverHomekeep, sent.next(t))

	// Mixed: 80% boards, 10% task updates, 10% completions, over 100 households. Before sign-in, whose
	// argon2id memory the process keeps for a while.
	mr := b.measure(t, hk, mixedLoad(t, env, hk.proc.URL), "mixed: 80% boards, 20% writes, 100 users", 32, 0)
	settle()
	mr.SQLPerRequest = sent.next(t)
	th.Mixed = &mr

	// Sign-in: argon2id at the default cost dominates.
	email, password := registerAccount(t, hk.proc.URL)
	login := Load{Request: func(int64) (*http.Request, string, error) {
		return authed(http.MethodPost, hk.proc.URL+"/api/auth/login", "",
			fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	}}
	def, err := config.Load(func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	lr := b.measure(t, hk, login, fmt.Sprintf("POST /auth/login (argon2id, %d KiB × %d passes per hash)",
		def.Argon2MemoryKiB, def.Argon2Iterations), 8, 0)
	settle()
	lr.SQLPerRequest = sent.next(t)
	th.Login = &lr
}

// Server names in the results.
const (
	serverReference       = "reference"
	serverHomekeep        = "Homekeep"
	serverHomekeepNoCache = "Homekeep, BOARD_CACHE_SIZE=0"
)

// setSQL sets SQLPerRequest on server's runs.
func setSQL(runs []ThroughputRun, server string, perRequest float64) {
	for i := range runs {
		if runs[i].Server == server {
			runs[i].SQLPerRequest = perRequest
		}
	}
}

// measure runs l against srv: a warm-up, then the measured run, reading the process's CPU time and
// resetting its peak RSS in between.
func (b *bench) measure(t *testing.T, srv *server, l Load, workload string, c, round int) ThroughputRun {
	t.Helper()
	l.Concurrency = c
	hc := l.Client()
	defer hc.CloseIdleConnections()
	warm := l
	warm.Duration = b.mode.warmup
	w := warm.Run(context.Background(), hc)
	require.NoError(t, ResetPeakRSS(srv.proc.Pid()))
	before := srv.proc.Stats(t)
	l.Duration = b.mode.run
	res := l.Run(context.Background(), hc)
	after := srv.proc.Stats(t)
	if srv.sent != nil {
		srv.sent.add(w.Requests + res.Requests)
	}
	run := ThroughputRun{Server: srv.name, Workload: workload, Concurrency: c, Round: round, LoadResult: res,
		PeakRSSMiB: float64(after.PeakRSSKiB) / 1024}
	if res.Requests > 0 {
		run.CPUPerRequestMs = ms(after.CPU-before.CPU) / float64(res.Requests)
	}
	if srv.name == serverReference {
		run.SQLPerRequest = 1 // one statement per board, by construction
	}
	return run
}

// counter attributes the transactions PostgreSQL commits in one database to the requests sent to Homekeep
// meanwhile.
type counter struct {
	db    string
	start int64
	sent  int64
}

// settle waits until PostgreSQL has published the transactions committed so far.
func settle() { time.Sleep(statsSettle) }

// newCounter reads the database's transaction count (settle first).
func newCounter(t *testing.T, db string) *counter {
	t.Helper()
	return &counter{db: db, start: transactions(t, db)}
}

func (c *counter) add(n int64) { c.sent += n }

// next returns transactions per request sent since the last reading (settle first), and starts counting
// again from this reading.
func (c *counter) next(t *testing.T) float64 {
	t.Helper()
	now := transactions(t, c.db)
	var per float64
	if c.sent > 0 {
		per = float64(now-c.start) / float64(c.sent)
	}
	c.start, c.sent = now, 0
	return per
}

// transactions returns the transactions committed and rolled back in db so far, as PostgreSQL has published
// them.
func transactions(t *testing.T, db string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, pgxQueryRow(t, db, "SELECT xact_commit + xact_rollback FROM pg_stat_database "+
		"WHERE datname = current_database()", nil, &n))
	return n
}

// compare pairs the reference's runs with homekeep's per concurrency, each figure the median over rounds.
func compare(runs []ThroughputRun, homekeep string) []Comparison {
	var out []Comparison
	for _, c := range concurrencies {
		cmp := Comparison{Workload: "warm board", Server: homekeep, Concurrency: c}
		for _, name := range []string{serverReference, homekeep} {
			var mine []ThroughputRun
			for _, r := range runs {
				if r.Concurrency == c && r.Server == name {
					mine = append(mine, r)
				}
			}
			if name == serverReference {
				cmp.Reference = summarize(mine)
			} else {
				cmp.Homekeep = summarize(mine)
			}
		}
		if cmp.Reference.RPS > 0 {
			cmp.RPSRatio = cmp.Homekeep.RPS / cmp.Reference.RPS
		}
		if cmp.Reference.P99Ms > 0 {
			cmp.P99Ratio = cmp.Homekeep.P99Ms / cmp.Reference.P99Ms
		}
		out = append(out, cmp)
	}
	return out
}

// summarize takes the median of each figure over runs, with the range of req/s and p99.
func summarize(runs []ThroughputRun) Summary {
	var s Summary
	if len(runs) == 0 {
		return s
	}
	pick := func(f func(ThroughputRun) float64) []float64 {
		vs := make([]float64, len(runs))
		for i, r := range runs {
			vs[i] = f(r)
		}
		return vs
	}
	rps, p99 := pick(func(r ThroughputRun) float64 { return r.RPS }), pick(func(r ThroughputRun) float64 { return r.P99Ms })
	s.RPS, s.RPSRange = medianFloat(rps), [2]float64{slices.Min(rps), slices.Max(rps)}
	s.P99Ms, s.P99Range = medianFloat(p99), [2]float64{slices.Min(p99), slices.Max(p99)}
	s.P50Ms = medianFloat(pick(func(r ThroughputRun) float64 { return r.P50Ms }))
	s.PeakRSSMiB = slices.Max(pick(func(r ThroughputRun) float64 { return r.PeakRSSMiB }))
	s.CPUPerRequestMs = medianFloat(pick(func(r ThroughputRun) float64 { return r.CPUPerRequestMs }))
	s.SQLPerRequest = medianFloat(pick(func(r ThroughputRun) float64 { return r.SQLPerRequest }))
	for _, r := range runs {
		s.Errors += r.Errors
	}
	return s
}

// authed builds a request with a bearer token (when given) and a JSON body (when given).
func authed(method, url, token, body string) (*http.Request, string, error) {
	var req *http.Request
	var err error
	if body == "" {
		req, err = http.NewRequest(method, url, nil)
	} else {
		req, err = http.NewRequest(method, url, strings.NewReader(body))
	}
	if err != nil {
		return nil, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, "", nil
}

// boardTag returns the current ETag of the board token sees.
func boardTag(t *testing.T, base, token string) string {
	t.Helper()
	req, _, err := authed(http.MethodGet, base+"/api/tasks", token, "")
	require.NoError(t, err)
	resp, err := newHTTPClient().Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	tag := resp.Header.Get("ETag")
	require.NotEmpty(t, tag)
	return tag
}

// registerAccount signs up a new account on base, so its password is hashed at the process's (default)
// argon2id cost, and returns its credentials.
func registerAccount(t *testing.T, base string) (email, password string) {
	t.Helper()
	email, password = apptest.UniqueEmail(), "a long bench password"
	req, _, err := authed(http.MethodPost, base+"/api/auth/register", "",
		fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	require.NoError(t, err)
	resp, err := newHTTPClient().Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	return email, password
}

// mixedLoad is the mixed workload over the first mixedUsers other households: of every ten requests, eight
// boards, one task update and one completion, each by the next user in turn.
func mixedLoad(t *testing.T, env *benchEnv, base string) Load {
	t.Helper()
	tasks := make([]int64, mixedUsers+1)
	for n := 1; n <= mixedUsers; n++ {
		require.NoError(t, pgxQueryRow(t, env.directURL, "SELECT t.id FROM tasks t JOIN residences r ON r.id = t.residence_id "+
			"WHERE r.owner_id = $1 AND t.interval_days IS NOT NULL ORDER BY t.id DESC LIMIT 1", []any{otherUserID(n)}, &tasks[n]))
	}
	return Load{
		OK: func(s int) bool { return s == http.StatusOK || s == http.StatusCreated },
		Request: func(n int64) (*http.Request, string, error) {
			user := int(n/10)%mixedUsers + 1
			token := otherToken(user)
			var req *http.Request
			var err error
			kind := "board"
			switch n % 10 {
			case 4:
				kind = "update"
				req, _, err = authed(http.MethodPatch, fmt.Sprintf("%s/api/tasks/%d", base, tasks[user]), token,
					fmt.Sprintf(`{"description":"Mixed load, request %d"}`, n))
			case 9:
				kind = "complete"
				req, _, err = authed(http.MethodPost, fmt.Sprintf("%s/api/tasks/%d/completions", base, tasks[user]), token, `{}`)
			default:
				req, _, err = authed(http.MethodGet, base+"/api/tasks", token, "")
			}
			return req, kind, err
		},
	}
}

// cloneDatabase copies the database at databaseURL into a new one (CREATE DATABASE ... TEMPLATE), dropped
// when the test ends, and returns its URL. Nobody may be connected to the source meanwhile; a backend that
// just closed may linger, so "being accessed by other users" is retried.
func cloneDatabase(t *testing.T, databaseURL, suffix string) string {
	t.Helper()
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(databaseURL)
	require.NoError(t, err)
	src := cfg.Database
	name := src + "_" + suffix
	admin := strings.Replace(databaseURL, "/"+src, "/postgres", 1)
	conn, err := pgx.Connect(ctx, admin)
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close(ctx)) }()
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{src}.Sanitize()
	for attempt := 1; ; attempt++ {
		_, err = conn.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" || attempt == 20 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	require.NoError(t, err, "copying the bench database for the reference server")
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			t.Errorf("bench: %v", err)
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("bench: error dropping %s: %v", name, err)
		}
	})
	return strings.Replace(databaseURL, "/"+src, "/"+name, 1)
}
