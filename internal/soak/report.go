package soak

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"
)

// rssGrowthAllowanceKiB is how much the server's RSS may grow from the start of the measured run to its end:
// the caches' caps (BOARD_CACHE_SIZE's default of 16 MiB of boards; USER_CACHE_SIZE's 5,000 users, well
// under 8 MiB) plus 8 MiB for the Go heap's own slack. More than that is growth the caches do not explain.
const rssGrowthAllowanceKiB = (16 + 8 + 8) << 10

// Report is what one soak measured and checked.
type Report struct {
	Config Config
	Date   time.Time
	// LoadStart and LoadEnd are the machine's load averages (1, 5, 15 minutes) before set-up and after the run.
	LoadStart, LoadEnd string
	SetupTime          time.Duration
	Households         int
	SetupTasks         int64
	WarmupErrors       int64
	// Elapsed is the measured run's length; Sent the requests scheduled in it; MaxLag how late the generator
	// itself was at worst.
	Elapsed time.Duration
	Sent    int64
	MaxLag  time.Duration
	Ops     []OpStats
	Total   OpStats
	// ErrorExamples is the first message of each failure class.
	ErrorExamples [][2]string
	Acked         ackedCounts
	// RSS of the server process (0 when it ran in the soak's own process).
	RSSStartKiB, RSSEndKiB   int64
	RSS                      rssSummary
	CPUStart, CPUEnd         time.Duration
	MetricsStart, MetricsEnd metrics
	MetricsError             string
	Checks                   []Check
}

// ackedCounts are the writes Homekeep acknowledged, set-up included.
type ackedCounts struct {
	Tasks, Completions, Contractors, Documents, Joins int64
	// Keyed creating requests carried an Idempotency-Key; Replayed of them were sent again with the same key.
	Keyed, Replayed int64
}

// Failures lists what makes the soak fail: any failed request, any failed consistency check, RSS growth
// beyond the caches' caps. Empty means it passed.
func (r *Report) Failures() []string {
	var out []string
	if r.Total.Errors > 0 {
		out = append(out, fmt.Sprintf("%d requests failed", r.Total.Errors))
	}
	if r.WarmupErrors > 0 {
		out = append(out, fmt.Sprintf("%d requests failed during the warm-up", r.WarmupErrors))
	}
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, fmt.Sprintf("check %q: want %s, got %s", c.Name, c.Want, c.Got))
		}
	}
	if g := r.rssGrowthKiB(); r.Config.PID != 0 && g > rssGrowthAllowanceKiB {
		out = append(out, fmt.Sprintf("RSS grew by %.1f MiB (lowest of the last minute against the lowest of the first), more than the caches' caps allow (%.0f MiB)",
			mib(g), mib(rssGrowthAllowanceKiB)))
	}
	return out
}

// rssGrowthKiB is how much the server's RSS floor rose over the run: the lowest sample of the last minute
// against the lowest of the first. Single samples swing by tens of MiB with the garbage collector's cycle
// and the sign-ins' Argon2 buffers; the floors do not.
func (r *Report) rssGrowthKiB() int64 { return r.RSS.LastMinuteLowKiB - r.RSS.FirstMinuteLowKiB }

func mib(kib int64) float64 { return float64(kib) / 1024 }

// Markdown renders the report as bench/soak.md.
func (r *Report) Markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	c := r.Config
	p("# Soak: load held (`make soak`)")
	p("")
	p("Written by `make soak` (internal/soak, TestSoak) on %s; do not edit by hand.", r.Date.Format("2006-01-02 15:04 UTC"))
	p("")
	verdict := "**passed**: no request failed, every consistency check held"
	if c.PID != 0 {
		verdict += ", RSS stayed within the caches' caps"
	}
	if f := r.Failures(); len(f) > 0 {
		verdict = "**failed**: " + strings.Join(f, "; ")
	}
	p("Verdict: %s.", verdict)
	p("")
	p("## Set-up")
	p("")
	p("- Machine: %d cores (%s/%s, %s), shared with other work: load average (1, 5, 15 min) %s before set-up, %s after the run.",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), r.LoadStart, r.LoadEnd)
	p("- Server: %s.", orDefault(c.Server, "in the soak's own process"))
	p("- Data: %d users registered through the API (%d households: an owner and %d editors who joined by share code), %d tasks and a contractor per household; set-up took %v.",
		c.Users, r.Households, membersPerHousehold-1, tasksPerHousehold, r.SetupTime.Round(time.Second))
	p("- Load: open loop at a fixed %.0f requests/s (each request scheduled at start + n/rate whatever the answers take; latency counted from the scheduled moment, so stalls are not hidden), after %v of warm-up at the same rate; at most %d requests in flight (more would count as errors).",
		c.Rate, c.Warmup, c.MaxInFlight)
	p("- Mix (per cent of requests): %s.", mixText())
	p("- Each user's requests carry its own X-Forwarded-For address, so the sign-in and share-code attempt limits (AUTH_RATE_LIMIT) apply per user as in production, not to the whole soak at once.")
	p("")
	p("## Throughput and latency")
	p("")
	secs := r.Elapsed.Seconds()
	p("Measured for %v: %d requests scheduled (%.1f/s requested, %.1f/s achieved), %d answered as expected (%.1f/s), %d failed. The generator was at worst %v behind its own schedule.",
		r.Elapsed.Round(time.Millisecond), r.Sent, c.Rate, float64(r.Sent)/secs, r.Total.OK, float64(r.Total.OK)/secs,
		r.Total.Errors, r.MaxLag.Round(time.Microsecond))
	p("")
	p("| operation | kind | requests | errors | p50 ms | p90 ms | p99 ms | max ms |")
	p("|---|---|--:|--:|--:|--:|--:|--:|")
	row := func(s OpStats, kind string) {
		p("| %s | %s | %d | %d | %.1f | %.1f | %.1f | %.1f |", s.Name, kind, s.OK+s.Errors, s.Errors, s.P50, s.P90, s.P99, s.Max)
	}
	var reads, writes []string
	for _, s := range r.Ops {
		kind := "read"
		if s.Write {
			kind = "write"
			writes = append(writes, s.Name)
		} else {
			reads = append(reads, s.Name)
		}
		row(s, kind)
	}
	total := r.Total
	total.Name = "**all**"
	row(total, "")
	p("")
	if r.Total.Errors > 0 {
		p("### Errors")
		p("")
		classes := make([]string, 0, len(r.Total.ErrorsByClass))
		for k := range r.Total.ErrorsByClass {
			classes = append(classes, k)
		}
		sort.Strings(classes)
		for _, k := range classes {
			p("- %s: %d", k, r.Total.ErrorsByClass[k])
		}
		p("")
		p("First message of each kind:")
		p("")
		for _, e := range r.ErrorExamples {
			p("- %s: `%s`", e[0], strings.ReplaceAll(e[1], "`", "'"))
		}
		p("")
	}
	p("## Memory and the server")
	p("")
	if c.PID != 0 {
		p("Resident set (VmRSS of the `homekeep serve` process, sampled every second): %.1f MiB at the start of the measured run (after set-up and warm-up), %.1f MiB at its end, peak %.1f MiB. The floor (lowest sample) of the first minute was %.1f MiB and of the last minute %.1f MiB: growth %+.1f MiB, against an allowance of %.0f MiB (the board cache's 16 MiB cap, the user cache's 5,000 entries, Go heap slack). The data grew meanwhile (tasks, completions and documents, see below), and boards with them.",
			mib(r.RSSStartKiB), mib(r.RSSEndKiB), mib(r.RSS.PeakKiB), mib(r.RSS.FirstMinuteLowKiB),
			mib(r.RSS.LastMinuteLowKiB), mib(r.rssGrowthKiB()), mib(rssGrowthAllowanceKiB))
		p("")
		var mins []string
		for _, k := range r.RSS.PerMinuteKiB {
			mins = append(mins, fmt.Sprintf("%.1f", mib(k)))
		}
		p("RSS at the start of each minute of the run (MiB): %s.", strings.Join(mins, ", "))
		p("")
		cpu := r.CPUEnd - r.CPUStart
		p("Server CPU during the run: %.1f s (%.2f ms per request, %.0f%% of one core).", cpu.Seconds(),
			ms(cpu)/float64(max(r.Sent, 1)), 100*cpu.Seconds()/secs)
	} else {
		p("The server ran in the soak's own process, so its RSS is not reported.")
	}
	p("")
	r.metricsSection(p)
	p("## Consistency after the run")
	p("")
	p("Acknowledged writes (set-up included): %d tasks, %d completions, %d contractors, %d documents with their files, %d joins.",
		r.Acked.Tasks, r.Acked.Completions, r.Acked.Contractors, r.Acked.Documents, r.Acked.Joins)
	p("")
	p("Retries: %d creating requests (tasks, completions, contractors, uploads) carried an `Idempotency-Key`, as the SDKs send; %d of them were sent a second time with the same key, as a client retrying after a lost answer, and each retry answered the first response again byte for byte with `Idempotent-Replayed: true`. The counts below hold each acknowledged write once, so no retry created anything twice.",
		r.Acked.Keyed, r.Acked.Replayed)
	p("")
	p("| check | want | got | |")
	p("|---|--:|--:|---|")
	for _, ch := range r.Checks {
		ok := "ok"
		if !ch.OK {
			ok = "**FAILED**"
		}
		p("| %s | %s | %s | %s |", ch.Name, ch.Want, ch.Got, ok)
	}
	p("")
	p("Reads: %s. Writes: %s.", strings.Join(reads, ", "), strings.Join(writes, ", "))
	return b.String()
}

// metricsSection reports the pools' waits and the Go runtime from /metrics, as deltas over the run.
func (r *Report) metricsSection(p func(string, ...any)) {
	p("### From /metrics")
	p("")
	if r.MetricsError != "" || r.MetricsStart == nil || r.MetricsEnd == nil {
		p("Not read: %s.", orDefault(r.MetricsError, "no scrape"))
		p("")
		return
	}
	s, e := r.MetricsStart, r.MetricsEnd
	p("| pool | acquires | waited (no idle connection) | time waiting | mean wait of those | cancelled acquires | connections opened | connections at end (max) |")
	p("|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, pool := range []string{"api", "jobs"} {
		key := func(name string) string { return fmt.Sprintf("homekeep_db_pool_%s{pool=%q}", name, pool) }
		if _, ok := e[key("acquires_total")]; !ok {
			continue
		}
		waits, waited := delta(s, e, key("empty_acquires_total")), delta(s, e, key("empty_acquire_wait_seconds_total"))
		p("| %s | %.0f | %.0f | %.3f s | %.1f ms | %.0f | %.0f | %.0f (%.0f) |", pool, delta(s, e, key("acquires_total")),
			waits, waited, 1000*waited/max(waits, 1), delta(s, e, key("canceled_acquires_total")),
			delta(s, e, key("new_conns_total")), e[key("conns")], e[key("max_conns")])
	}
	p("")
	if sl := serverLatencyBetween(s, e); sl.Count > 0 {
		p("Homekeep's own view (`homekeep_http_request_duration_seconds`, router to handler return, every operation): %.0f requests, mean %.1f ms, p50 ≤ %g ms, p99 ≤ %g ms (histogram bucket bounds). The soak's latencies above also hold the time a request waited before reaching the handler (the machine's CPU, the listener) and the generator's own lateness.",
			sl.Count, sl.MeanMs, sl.P50Ms, sl.P99Ms)
		p("")
	}
	p("Go runtime at the end: %.0f goroutines (%.0f at the start), heap in use %.1f MiB (%.1f at the start), %.0f GC cycles during the run.",
		e["go_goroutines"], s["go_goroutines"], e["go_memstats_heap_inuse_bytes"]/(1<<20),
		s["go_memstats_heap_inuse_bytes"]/(1<<20), delta(s, e, "go_gc_duration_seconds_count"))
	p("")
}

func mixText() string {
	parts := make([]string, 0, len(mix))
	for _, o := range mix {
		parts = append(parts, fmt.Sprintf("%s %d", o.name, o.weight))
	}
	return strings.Join(parts, ", ")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
