package bench

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/valkey-io/valkey-go"
)

// outDir is the repository's bench directory, seen from this package's directory (go test's working dir).
const outDir = "../../bench"

// mode is what one of `make bench-quick`, `make bench` and `make bench-long` measures.
type mode struct {
	name string
	// rtts are the PostgreSQL round-trip times the latency matrix runs at.
	rtts []time.Duration
	// warmSamples back-to-back requests per warm cell; idleSamples per idle gap under a minute.
	warmSamples, idleSamples, writeSamples int
	// startRepeats is how often the single-request states (first after a start, cold caches, a token Valkey
	// forgot) are measured, each on a new process; the median is kept.
	startRepeats                         int
	idleGaps                             []time.Duration
	pgbouncer, throughput, memory, plans bool
	// rounds of run seconds each (after warmup) per server and concurrency.
	rounds          int
	run, warmup     time.Duration
	otherHouseholds int
	memoryUsers     int
	// scaleResidences sizes the plans' database (ten tasks and two users per residence).
	scaleResidences int
}

// modes are the three targets (see the Makefile) and smoke, every phase at its smallest: a check of the
// harness itself in two or three minutes, whose numbers mean little.
var modes = map[string]mode{
	"smoke": {name: "smoke", rtts: []time.Duration{50 * time.Millisecond}, warmSamples: 5, idleSamples: 1,
		writeSamples: 2, startRepeats: 1, idleGaps: []time.Duration{1500 * time.Millisecond}, pgbouncer: true,
		throughput: true, memory: true, plans: true, rounds: 1, run: 2 * time.Second, warmup: time.Second,
		otherHouseholds: 1_000, memoryUsers: 2_000, scaleResidences: 10_000},
	"quick": {name: "quick", rtts: []time.Duration{50 * time.Millisecond}, warmSamples: 20, idleSamples: 3,
		writeSamples: 5, startRepeats: 3, idleGaps: []time.Duration{1500 * time.Millisecond}, otherHouseholds: 10_000},
	"full": {name: "full", rtts: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}, warmSamples: 50,
		idleSamples: 3, writeSamples: 10, startRepeats: 3,
		idleGaps:  []time.Duration{1500 * time.Millisecond, time.Minute},
		pgbouncer: true, throughput: true, memory: true, plans: true, rounds: 3, run: 8 * time.Second,
		warmup: 2 * time.Second, otherHouseholds: 10_000, memoryUsers: 20_000, scaleResidences: 100_000},
	"long": {name: "long", rtts: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}, warmSamples: 50,
		idleSamples: 3, writeSamples: 10, startRepeats: 5,
		idleGaps:  []time.Duration{1500 * time.Millisecond, time.Minute, 10 * time.Minute},
		pgbouncer: true, throughput: true, memory: true, plans: true, rounds: 5, run: 15 * time.Second,
		warmup: 3 * time.Second, otherHouseholds: 10_000, memoryUsers: 20_000, scaleResidences: 100_000},
}

// bench is one run: its mode, its results so far (phases running in parallel add to them under mu), and
// the load it saw.
type bench struct {
	mode mode
	mu   sync.Mutex
	res  *Results
}

// TestBench is `make bench-quick`, `make bench` and `make bench-long` (HOMEKEEP_BENCH=quick|full|long): the
// latency matrix, throughput against the reference server, memory and plans at scale, written to
// bench/results.md and bench/results.json. It is a measurement, not a test: without HOMEKEEP_BENCH it skips.
func TestBench(t *testing.T) {
	name := os.Getenv("HOMEKEEP_BENCH")
	if name == "" {
		t.Skip("a measurement, not a test: run it with `make bench-quick`, `make bench` or `make bench-long`")
	}
	m, ok := modes[name]
	require.True(t, ok, "HOMEKEEP_BENCH=%q: want quick, full, long or smoke", name)
	b := &bench{mode: m, res: &Results{Date: time.Now().UTC().Format(time.RFC3339), Mode: m.name,
		Machine:     Machine{Cores: runtime.NumCPU(), LoadBefore: loadAverage(), Go: runtime.Version()},
		WarmSamples: m.warmSamples, IdleSamples: m.idleSamples, StartRepeats: m.startRepeats}}
	for _, g := range m.idleGaps {
		b.res.IdleGaps = append(b.res.IdleGaps, g.String())
	}
	stopLoad := b.watchLoad()

	env := setUp(t, b)
	phases := []struct {
		name string
		on   bool
		run  func(*testing.T, *benchEnv)
		skip string
	}{
		{"Latency", true, b.latency, ""},
		{"Throughput", m.throughput, b.throughput,
			"throughput against the reference server, `POST /auth/login`, the mixed workload (`make bench`)"},
		{"Memory", m.memory, b.memoryPhase, "memory with 20,000 users (`make bench`)"},
		{"Plans", m.plans, b.plans, "plans at 1,000,000 tasks (`make bench`)"},
	}
	for _, ph := range phases {
		if !ph.on {
			b.res.NotMeasured = append(b.res.NotMeasured, ph.skip)
			continue
		}
		if !t.Run(ph.name, func(t *testing.T) { ph.run(t, env) }) {
			b.addError(fmt.Sprintf("the %s phase failed; its section is partial (see the test log)", ph.name))
		}
	}
	if !m.pgbouncer {
		b.res.NotMeasured = append(b.res.NotMeasured, "the latency matrix through PgBouncer (`make bench`)")
	}
	if len(m.rtts) == 1 {
		b.res.NotMeasured = append(b.res.NotMeasured, "100 ms RTT (`make bench`)")
	}
	if m.name != "long" {
		b.res.NotMeasured = append(b.res.NotMeasured, "10 minutes idle (`make bench-long`)")
	}
	if m.name == "quick" {
		b.res.NotMeasured = append(b.res.NotMeasured, "60 s idle (`make bench`)")
	}

	stopLoad()
	b.res.Machine.LoadAfter = loadAverage()
	b.res.Goals = EvaluateGoals(b.res)
	require.NoError(t, b.res.Write(outDir))
	t.Logf("wrote %s/results.md and results.json (load before %s, after %s, max %.2f)", outDir,
		b.res.Machine.LoadBefore, b.res.Machine.LoadAfter, b.res.Machine.LoadMax)
}

// addError records a failed phase.
func (b *bench) addError(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.res.Errors = append(b.res.Errors, msg)
}

// addNote records a note for the results page.
func (b *bench) addNote(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.res.Notes = append(b.res.Notes, msg)
}

// watchLoad samples the one-minute load average every 5 s into LoadMax until the returned stop is called.
func (b *bench) watchLoad() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			if f := strings.Fields(loadAverage()); len(f) > 0 {
				if v, err := strconv.ParseFloat(f[0], 64); err == nil {
					b.mu.Lock()
					b.res.Machine.LoadMax = max(b.res.Machine.LoadMax, v)
					b.mu.Unlock()
				}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// loadAverage returns the first three fields of /proc/loadavg ("0.52 0.61 0.70").
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// selectOneRTT returns the median time of a bare SELECT 1 on one connection to databaseURL.
func selectOneRTT(t *testing.T, databaseURL string) time.Duration {
	t.Helper()
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

// pingRTT returns the median time of a Valkey PING through valkeyURL.
func pingRTT(t *testing.T, valkeyURL string) time.Duration {
	t.Helper()
	cl := newValkey(t, valkeyURL)
	var ds []time.Duration
	for i := range 13 {
		start := time.Now()
		require.NoError(t, cl.Do(context.Background(), cl.B().Ping().Build()).Error())
		if i >= 3 {
			ds = append(ds, time.Since(start))
		}
	}
	return percentile(ds, 50)
}

// newValkey connects to valkeyURL without client-side caching (the bench must see every write at once) and
// closes the client when the test ends.
func newValkey(t testing.TB, valkeyURL string) valkey.Client {
	t.Helper()
	opt, err := valkey.ParseURL(valkeyURL)
	require.NoError(t, err)
	opt.DisableCache = true
	cl, err := valkey.NewClient(opt)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

// urlHost returns the host:port of a URL such as redis://127.0.0.1:6379.
func urlHost(t testing.TB, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	require.NoError(t, err)
	return u.Host
}

// hostOf returns the host:port of a database URL.
func hostOf(t testing.TB, databaseURL string) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(databaseURL)
	require.NoError(t, err)
	return fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
}
