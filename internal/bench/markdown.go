package bench

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Markdown renders r as a page for people: the verdicts first, then one table per measurement.
func (r *Results) Markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Homekeep bench (`make bench%s`)\n\n", map[string]string{"quick": "-quick", "long": "-long", "smoke": "-smoke"}[r.Mode])
	p("Run %s, mode `%s`, on %d cores. Load average before: %s; after: %s; highest one-minute load seen between "+
		"phases: %.2f (other work on the machine makes every number noisier). Go %s, %s, Valkey/Redis %s",
		r.Date, r.Mode, r.Machine.Cores, r.Machine.LoadBefore, r.Machine.LoadAfter, r.Machine.LoadMax,
		r.Machine.Go, r.Machine.PostgreSQL, r.Machine.Valkey)
	if r.Machine.PgBouncer != "" {
		p(", %s", r.Machine.PgBouncer)
	}
	p(".\n\nSeed: %s.\n\n", r.Seed)

	p("## Issue 11's goals\n\n")
	for _, g := range r.Goals {
		p("**Goal %d, %s: %s.**\n\n", g.Number, strings.ToLower(g.Title[:1])+g.Title[1:], g.Status)
		for _, d := range g.Details {
			p("- %s\n", d)
		}
		p("\n")
	}

	if r.Why != "" {
		p("## Why the misses\n\n%s\n", r.Why)
	}
	if len(r.Latency) > 0 {
		r.latencyMarkdown(&b)
	}
	if r.Throughput != nil {
		r.Throughput.markdown(&b)
	}
	if r.Memory != nil {
		r.Memory.markdown(&b)
	}
	if r.Plans != nil {
		r.Plans.markdown(&b)
	}
	for _, sec := range []struct {
		title string
		items []string
	}{{"Notes", r.Notes}, {"Not measured in this run", r.NotMeasured}, {"Errors", r.Errors}} {
		if len(sec.items) == 0 {
			continue
		}
		p("## %s\n\n", sec.title)
		for _, n := range sec.items {
			p("- %s\n", n)
		}
		p("\n")
	}
	return b.String()
}

// latencyMarkdown writes one table per pooler and RTT.
func (r *Results) latencyMarkdown(b *strings.Builder) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## Latency of authenticated requests\n\n")
	p("PostgreSQL behind an in-process Toxiproxy that adds the RTT (half each way), Valkey behind one adding " +
		"about 1 ms, so both kinds of round trip show. Each cell: milliseconds from the client · that as a " +
		"multiple of the measured RTT (a bare `SELECT 1` along the same path) · SQL statements the process ran " +
		"per request (\"in N trips\" when they took fewer round trips one after another: pipelined in a batch, " +
		"or overlapping on two connections) · Valkey round trips per request (when any). Pool at the defaults (`DB_MIN_CONNS` 10, " +
		"`DB_MAX_CONNS` 20).\n\n")
	p("States: *first after a fresh start*: one request to a just-started process whose token, user and "+
		"caches Valkey knows. *Cold caches, warm pool*: one request to a just-started process with nothing in "+
		"Valkey. *Token Valkey forgot*: a warm process after its `auth_token` key was deleted. Each of these is "+
		"the median of %d (each start a new process on a new key prefix). *Warm*: %d back-to-back requests "+
		"after five warm-ups. *After idle*: the median of %d requests each sent that long after the previous "+
		"one (one request for gaps of a minute or more). The conditional board shows the status it got: 304 "+
		"when the tag the client holds is still current.\n\n", r.StartRepeats, r.WarmSamples, r.IdleSamples)
	for _, run := range r.Latency {
		via := "PostgreSQL directly"
		if run.Pooler == PoolerPgBouncer {
			via = "PgBouncer (transaction pooling, next to PostgreSQL; `DB_POOLER=pgbouncer-transaction`)"
		}
		p("### %g ms RTT, %s\n\n", run.ConfiguredRTTMs, via)
		p("Measured RTT: **%.1f ms**; Valkey PING through its proxy: %.2f ms.\n\n", run.MeasuredRTTMs, run.ValkeyRTTMs)
		states := usedStates(run.Rows)
		p("| Request |")
		for _, s := range states {
			p(" %s |", s.Heading)
		}
		p("\n|---|%s\n", strings.Repeat("---|", len(states)))
		for _, row := range run.Rows {
			p("| `%s` |", row.Request)
			for _, s := range states {
				p(" %s |", row.Cells[s.Key].format(row.Request == ConditionalBoard))
			}
			p("\n")
		}
		var errs []string
		for _, row := range append(append([]LatencyRow(nil), run.Rows...), run.Writes...) {
			if row.Error != "" {
				errs = append(errs, fmt.Sprintf("`%s`: %s", row.Request, row.Error))
			}
		}
		if len(run.Writes) > 0 {
			p("\n| Write (another household, warm) | median (p95) |\n|---|---|\n")
			for _, row := range run.Writes {
				p("| `%s` | %s |\n", row.Request, row.Cells[StateWarm].String())
			}
		}
		if len(errs) > 0 {
			p("\nIncomplete: %s\n", strings.Join(errs, "; "))
		}
		p("\n")
	}
}

// usedStates returns the states any row has a cell for, in table order.
func usedStates(rows []LatencyRow) []struct{ Key, Heading string } {
	var out []struct{ Key, Heading string }
	for _, s := range States {
		for _, row := range rows {
			if _, ok := row.Cells[s.Key]; ok {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// String renders a cell: "52.1 ms · 1.02 RTT · 1 sql", with the p95, Valkey trips and a status other than
// 200 or 201 when there are any.
func (c *Cell) String() string { return c.format(false) }

// format is String, with the status always shown when withStatus.
func (c *Cell) format(withStatus bool) string {
	if c == nil {
		return "—"
	}
	s := fmt.Sprintf("%.1f ms · %.2f RTT · %s sql", c.Ms, c.RTT, num(c.SQL))
	if c.Sequential != c.SQL {
		unit := " trips"
		if c.Sequential == 1 {
			unit = " trip"
		}
		s += " in " + num(c.Sequential) + unit
	}
	if c.Valkey > 0 {
		s += " · " + num(c.Valkey) + " vk"
	}
	if c.P95Ms > 0 {
		s += fmt.Sprintf(" (p95 %.1f)", c.P95Ms)
	}
	if c.Status != 0 && (withStatus || (c.Status != http.StatusOK && c.Status != http.StatusCreated)) {
		s += fmt.Sprintf(" · %d", c.Status)
	}
	return s
}

// num prints a count that may be an average without trailing zeros.
func num(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func (t *Throughput) markdown(b *strings.Builder) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## Throughput on loopback\n\n")
	p("Homekeep (`homekeep serve`, %s; and the same with `BOARD_CACHE_SIZE=0`, so that every board runs its "+
		"statement, when the build has that setting) and the reference server (`internal/bench/refserver`: "+
		"net/http, a pgxpool of 8, the same board statement, encoding/json, tokens in a map) each run as a "+
		"process of its own, each on its own copy of the bench database; the load generator runs in the bench "+
		"process on the same cores. Each run: %.0f s of warm-up, then %.0f s measured; the servers take turns "+
		"in %d rounds, the order rotating. Peak RSS is the process's VmHWM over the run; CPU is its user + "+
		"system time per request; sql/req is transactions PostgreSQL committed in the server's database per "+
		"request.\n\n", t.HomekeepConfig, t.WarmupSeconds, t.SecondsPerRun, t.Rounds)
	p("| Warm board, c | server | req/s (range) | p50 ms | p99 ms (range) | errors | peak RSS MiB | CPU ms/req | sql/req | vs reference |\n")
	p("|---|---|---|---|---|---|---|---|---|---|\n")
	refShown := map[int]bool{}
	byConcurrency := slices.Clone(t.Comparisons)
	slices.SortStableFunc(byConcurrency, func(a, b Comparison) int { return a.Concurrency - b.Concurrency })
	for _, c := range byConcurrency {
		row := func(name string, v Summary, vs string) {
			p("| %d | %s | %.0f (%.0f–%.0f) | %.1f | %.1f (%.1f–%.1f) | %d | %.1f | %.2f | %.2f | %s |\n",
				c.Concurrency, name, v.RPS, v.RPSRange[0], v.RPSRange[1], v.P50Ms, v.P99Ms, v.P99Range[0],
				v.P99Range[1], v.Errors, v.PeakRSSMiB, v.CPUPerRequestMs, v.SQLPerRequest, vs)
		}
		if !refShown[c.Concurrency] {
			row("reference", c.Reference, "")
			refShown[c.Concurrency] = true
		}
		row(c.Server, c.Homekeep, fmt.Sprintf("%.0f%% req/s, %.2f× p99", 100*c.RPSRatio, c.P99Ratio))
	}
	p("\n")
	single := append([]ThroughputRun(nil), t.Conditional...)
	for _, r := range []*ThroughputRun{t.Mixed, t.Login} {
		if r != nil {
			single = append(single, *r)
		}
	}
	if len(single) > 0 {
		p("| Homekeep alone | c | req/s | p50 ms | p99 ms | errors | peak RSS MiB | CPU ms/req | sql/req |\n")
		p("|---|---|---|---|---|---|---|---|---|\n")
		for _, r := range single {
			p("| %s | %d | %.0f | %.1f | %.1f | %d | %.1f | %.2f | %.2f |\n", r.Workload, r.Concurrency, r.RPS,
				r.P50Ms, r.P99Ms, r.Errors, r.PeakRSSMiB, r.CPUPerRequestMs, r.SQLPerRequest)
			for _, k := range sortedKeys(r.Kinds) {
				kr := r.Kinds[k]
				p("| ↳ %s | | %.0f | %.1f | %.1f | %d | | | |\n", k, kr.RPS, kr.P50Ms, kr.P99Ms, kr.Errors)
			}
		}
		p("\n")
	}
	p("Every run, in order:\n\n| round | server | workload | c | req/s | p50 ms | p99 ms | errors | peak RSS MiB | CPU ms/req | sql/req |\n")
	p("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range t.Runs {
		p("| %d | %s | %s | %d | %.0f | %.1f | %.1f | %d | %.1f | %.2f | %.2f |\n", r.Round, r.Server, r.Workload,
			r.Concurrency, r.RPS, r.P50Ms, r.P99Ms, r.Errors, r.PeakRSSMiB, r.CPUPerRequestMs, r.SQLPerRequest)
	}
	for _, r := range append(append([]ThroughputRun(nil), t.Runs...), single...) {
		if r.FirstError != "" {
			p("\nFirst error of %s %s c=%d: `%s`\n", r.Server, r.Workload, r.Concurrency, r.FirstError)
		}
	}
	p("\n")
}

func (m *Memory) markdown(b *strings.Builder) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## Memory: %d distinct users authenticating once each\n\n", m.Users)
	p("A fresh `homekeep serve` (`USER_CACHE_SIZE` %d); each user sends one `GET /api/auth/me` with a token "+
		"no process has seen.\n\n", m.UserCache)
	p("| Valkey | RSS at start MiB | RSS after N users (MiB) | peak RSS MiB | req/s | errors |\n|---|---|---|---|---|---|\n")
	for _, r := range []struct {
		name string
		run  *MemoryRun
	}{{"yes", m.WithValkey}, {"no (every tier in process)", m.WithoutValkey}} {
		if r.run == nil {
			continue
		}
		var steps []string
		for _, s := range r.run.Steps {
			steps = append(steps, fmt.Sprintf("%d: %.1f", s.Users, s.RSSMiB))
		}
		p("| %s | %.1f | %s | %.1f | %.0f | %d |\n", r.name, r.run.StartRSSMiB, strings.Join(steps, ", "),
			r.run.PeakRSSMiB, r.run.RPS, r.run.Errors)
	}
	if r := m.WithValkey; r != nil && len(r.Steps) > 1 && m.Users > m.UserCache {
		// The step at or just past the cap, and the last one.
		var atCap *MemoryStep
		for i := range r.Steps {
			if r.Steps[i].Users >= m.UserCache {
				atCap = &r.Steps[i]
				break
			}
		}
		last := r.Steps[len(r.Steps)-1]
		if atCap != nil && last.Users > atCap.Users {
			p("\nWith Valkey, from %d to %d users, past the user cache's cap of %d, RSS still grew by %.1f MiB "+
				"(%.2f KiB per further user): memory `USER_CACHE_SIZE` does not bound (the token tier, valkey-go's "+
				"client-side cache, or the heap's growth between collections).\n", atCap.Users, last.Users,
				m.UserCache, last.RSSMiB-atCap.RSSMiB, 1024*(last.RSSMiB-atCap.RSSMiB)/float64(last.Users-atCap.Users))
		}
	}
	if m.Sample > 0 {
		p("\nUser cache: without Valkey, %d users picked at random among the %d authenticated again; %d of them "+
			"cost a statement (their user had been evicted), so about **%d users are in process** against a "+
			"cap of %d.\n", m.Sample, m.Users, m.SampleMisses, m.EstimatedResident, m.UserCache)
	}
	p("\n")
}

func (pl *Plans) markdown(b *strings.Builder) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## Plans at scale\n\n")
	p("A database of its own with %d users, %d residences and %d tasks (plus memberships, contractors, documents "+
		"and tokens), built with generate_series in %.0f s and analyzed. `EXPLAIN (ANALYZE, BUFFERS)` of every "+
		"hot statement (`app.HotStatements`) for %s; the custom plan is what PostgreSQL runs for the first five "+
		"executions of a prepared statement, the generic plan what it may switch to after. The plans list "+
		"their scans (results.json has every node). Flagged: a sequential scan of a big table, or execution "+
		"over 1 ms. The reminder planner, a periodic statement, follows.\n\n", pl.Users, pl.Residences, pl.Tasks,
		pl.SeedSeconds, pl.TypicalUser)
	planTable(b, "Statement", pl.Statements)
	p("\n")
	if pl.Planner != nil {
		pl.Planner.markdown(b)
	}
}

// markdown writes the planner's section, below the hot statements' table.
func (pp *PlannerPlans) markdown(b *strings.Builder) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("### The reminder planner (periodic, not a request)\n\n")
	p("`NotificationLedgerPlanReminders` (`reminders.Plan`) runs every 15 minutes in one process, not per request, "+
		"on the same database: users in Europe/Berlin, America/New_York and UTC (every tenth with its own reminder "+
		"hour), %d warranties. Explained at %s with a grace of %s, when most users' reminder hour has come; the "+
		"first run wrote %d ledger rows and %d feed rows for %d users. Each plan is explained in a transaction "+
		"that is rolled back (`EXPLAIN ANALYZE` of an INSERT writes). Flagged: a sequential scan of a big table "+
		"other than users, which the planner reads whole by design (whose hour has come depends on each user's "+
		"timezone); the 1 ms target of a request does not apply.\n\n",
		pp.Warranties, pp.Now, pp.Grace, pp.LedgerRows, pp.FeedRows, pp.Users)
	planTable(b, "Run", pp.Runs)
	p("\n")
}

// planTable writes one row per result: its scans, execution and flags for the custom and generic plans.
func planTable(b *strings.Builder, first string, rows []PlanResult) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("| %s | custom plan | exec ms | generic plan | exec ms | flags |\n|---|---|---|---|---|---|\n", first)
	for _, s := range rows {
		if s.Error != "" {
			p("| %s | error: %s | | | | |\n", s.Name, s.Error)
			continue
		}
		cell := func(ps *PlanSummary) (string, string) {
			if ps == nil {
				return "—", ""
			}
			return strings.Join(scans(ps.Nodes), ", "), fmt.Sprintf("%.3f (%d rows, %d hit, %d read)", ps.ExecutionMs,
				ps.Rows, ps.SharedHit, ps.SharedRead)
		}
		cn, ce := cell(s.Custom)
		gn, ge := cell(s.Generic)
		flags := "none"
		if len(s.Flags) > 0 {
			flags = "**" + strings.Join(s.Flags, "; ") + "**"
		}
		p("| %s | %s | %s | %s | %s | %s |\n", s.Name, cn, ce, gn, ge, flags)
	}
}

// scans returns the scan nodes of a plan in order, each once, with how often it occurs when more than once.
func scans(nodes []string) []string {
	var order []string
	count := map[string]int{}
	for _, n := range nodes {
		if !strings.Contains(n, "Scan") {
			continue
		}
		if count[n] == 0 {
			order = append(order, n)
		}
		count[n]++
	}
	for i, n := range order {
		if count[n] > 1 {
			order[i] = fmt.Sprintf("%s ×%d", n, count[n])
		}
	}
	return order
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
