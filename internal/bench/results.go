package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Results is what one run measured; Write stores it as results.json and as results.md.
type Results struct {
	Date string `json:"date"`
	// Why is the hand-written analysis of the misses, bench/why.md, copied in by Write.
	Why string `json:"-"`
	// Mode is quick, full or long (HOMEKEEP_BENCH).
	Mode    string  `json:"mode"`
	Machine Machine `json:"machine"`
	Seed    string  `json:"seed"`
	// WarmSamples back-to-back requests give each warm median and p95; IdleSamples requests are sent after
	// each idle gap (one each for gaps of a minute or more).
	WarmSamples int `json:"warm_samples"`
	// StartRepeats is how many processes the single-request states are measured on (the median is kept).
	StartRepeats int      `json:"start_repeats"`
	IdleSamples  int      `json:"idle_samples"`
	IdleGaps     []string `json:"idle_gaps"`
	// Latency has one run per pooler and RTT.
	Latency    []LatencyRun `json:"latency"`
	Throughput *Throughput  `json:"throughput,omitempty"`
	Memory     *Memory      `json:"memory,omitempty"`
	Plans      *Plans       `json:"plans,omitempty"`
	Goals      []Goal       `json:"goals"`
	// Notes say what was skipped and why; Errors name phases that failed (their sections are partial).
	Notes       []string `json:"notes,omitempty"`
	NotMeasured []string `json:"not_measured,omitempty"`
	Errors      []string `json:"errors,omitempty"`
}

// Machine describes where and under what load the run happened: the numbers mean little without it.
type Machine struct {
	Cores int `json:"cores"`
	// LoadBefore and LoadAfter are /proc/loadavg at the start and the end; LoadMax is the highest
	// one-minute load seen between phases. Other work on the machine shows up there.
	LoadBefore string  `json:"load_before"`
	LoadAfter  string  `json:"load_after"`
	LoadMax    float64 `json:"load_max"`
	Go         string  `json:"go"`
	PostgreSQL string  `json:"postgresql"`
	PgBouncer  string  `json:"pgbouncer,omitempty"`
	Valkey     string  `json:"valkey"`
}

// State names, in table order.
const (
	StateFirst    = "first"
	StateCold     = "cold"
	StateForgot   = "forgot"
	StateWarm     = "warm"
	StateIdle1500 = "idle_1.5s"
	StateIdle60   = "idle_60s"
	StateIdle600  = "idle_10m"
)

// States lists every state with its column heading.
var States = []struct{ Key, Heading string }{
	{StateFirst, "first after a fresh start"},
	{StateCold, "cold caches, warm pool"},
	{StateForgot, "token Valkey forgot"},
	{StateWarm, "warm, median (p95)"},
	{StateIdle1500, "after 1.5 s idle"},
	{StateIdle60, "after 60 s idle"},
	{StateIdle600, "after 10 min idle"},
}

// LatencyRun is the latency matrix at one RTT through one pooler.
type LatencyRun struct {
	// Pooler is "none" (PostgreSQL directly) or "pgbouncer-transaction".
	Pooler          string  `json:"pooler"`
	ConfiguredRTTMs float64 `json:"configured_rtt_ms"`
	// MeasuredRTTMs is the median of a bare SELECT 1 on one connection along the path the server uses: the
	// unit every multiple in this run is given in.
	MeasuredRTTMs float64 `json:"measured_rtt_ms"`
	// ValkeyRTTMs is the median PING through the proxy in front of Valkey.
	ValkeyRTTMs float64      `json:"valkey_rtt_ms"`
	Rows        []LatencyRow `json:"rows"`
	Writes      []LatencyRow `json:"writes"`
}

// LatencyRow is one request in every state measured.
type LatencyRow struct {
	Request string           `json:"request"`
	Cells   map[string]*Cell `json:"cells"`
	// Error says why the row is incomplete.
	Error string `json:"error,omitempty"`
}

// Cell is one request in one state: the median of its samples in milliseconds and as a multiple of the
// run's RTT, with what the process sent per request: SQL statements, the round trips they took (a pipelined
// batch is one), the longest chain of round trips that waited for one another, and Valkey round trips.
type Cell struct {
	Ms         float64 `json:"ms"`
	RTT        float64 `json:"rtt_multiple"`
	P95Ms      float64 `json:"p95_ms,omitempty"`
	SQL        float64 `json:"sql_per_request"`
	RoundTrips float64 `json:"sql_round_trips_per_request"`
	Sequential float64 `json:"sql_sequential_round_trips_per_request"`
	Valkey     float64 `json:"valkey_per_request"`
	Samples    int     `json:"samples"`
	Status     int     `json:"status"`
	// Statements are the beginnings of what a single-sample state ran, to see what it waited for.
	Statements []string `json:"statements,omitempty"`
}

// Throughput compares Homekeep with the reference server under load on loopback.
type Throughput struct {
	Rounds         int     `json:"rounds"`
	SecondsPerRun  float64 `json:"seconds_per_run"`
	WarmupSeconds  float64 `json:"warmup_seconds"`
	HomekeepConfig string  `json:"homekeep_config"`
	// Runs are every measured run, in the order they ran.
	Runs []ThroughputRun `json:"runs"`
	// Comparisons pair the servers per concurrency: medians over the rounds.
	Comparisons []Comparison `json:"comparisons"`
	// Conditional, Login and Mixed are Homekeep alone.
	Conditional []ThroughputRun `json:"conditional_board,omitempty"`
	Login       *ThroughputRun  `json:"login,omitempty"`
	Mixed       *ThroughputRun  `json:"mixed,omitempty"`
}

// ThroughputRun is one load against one server process.
type ThroughputRun struct {
	Server      string `json:"server"`
	Workload    string `json:"workload"`
	Concurrency int    `json:"concurrency"`
	Round       int    `json:"round,omitempty"`
	LoadResult
	// PeakRSSMiB is the process's VmHWM over the run (reset before it); CPUPerRequestMs its user plus system
	// CPU time per request; SQLPerRequest the transactions PostgreSQL committed in the database per request.
	PeakRSSMiB      float64 `json:"peak_rss_mib"`
	CPUPerRequestMs float64 `json:"cpu_ms_per_request"`
	SQLPerRequest   float64 `json:"sql_per_request"`
}

// Comparison is a Homekeep server against the reference at one concurrency, each the median of its rounds.
type Comparison struct {
	Workload    string `json:"workload"`
	Concurrency int    `json:"concurrency"`
	// Server names the Homekeep process compared: at the defaults, or with the board cache off.
	Server    string  `json:"server"`
	Reference Summary `json:"reference"`
	Homekeep  Summary `json:"homekeep"`
	// RPSRatio is Homekeep's req/s over the reference's; P99Ratio Homekeep's p99 over the reference's.
	RPSRatio float64 `json:"rps_ratio"`
	P99Ratio float64 `json:"p99_ratio"`
}

// Summary is the median over rounds of each figure of a server's runs (each figure on its own), with the
// range of req/s and p99 across rounds.
type Summary struct {
	RPS             float64    `json:"rps"`
	RPSRange        [2]float64 `json:"rps_range"`
	P50Ms           float64    `json:"p50_ms"`
	P99Ms           float64    `json:"p99_ms"`
	P99Range        [2]float64 `json:"p99_range"`
	Errors          int64      `json:"errors"`
	PeakRSSMiB      float64    `json:"peak_rss_mib"`
	CPUPerRequestMs float64    `json:"cpu_ms_per_request"`
	SQLPerRequest   float64    `json:"sql_per_request"`
}

// Memory is 20,000 distinct users authenticating once each against a fresh process.
type Memory struct {
	Users     int `json:"users"`
	UserCache int `json:"user_cache_size"`
	// WithValkey is production-like; WithoutValkey keeps every tier in process, where the resident users can
	// be counted from the statements a sample of re-authentications costs.
	WithValkey    *MemoryRun `json:"with_valkey,omitempty"`
	WithoutValkey *MemoryRun `json:"without_valkey,omitempty"`
	// Sample users, chosen at random among Users, authenticated again; SampleMisses of them cost a statement
	// (their user was no longer in process). EstimatedResident = Users × (1 − misses/sample).
	Sample            int `json:"sample"`
	SampleMisses      int `json:"sample_misses"`
	EstimatedResident int `json:"estimated_resident_users"`
}

// MemoryRun is RSS as users arrive.
type MemoryRun struct {
	StartRSSMiB float64      `json:"start_rss_mib"`
	Steps       []MemoryStep `json:"steps"`
	PeakRSSMiB  float64      `json:"peak_rss_mib"`
	RPS         float64      `json:"rps"`
	Errors      int64        `json:"errors"`
}

// MemoryStep is the RSS once Users distinct users have authenticated.
type MemoryStep struct {
	Users  int     `json:"users"`
	RSSMiB float64 `json:"rss_mib"`
}

// Plans are EXPLAIN (ANALYZE, BUFFERS) of every hot statement on a large database.
type Plans struct {
	Users       int          `json:"users"`
	Residences  int          `json:"residences"`
	Tasks       int          `json:"tasks"`
	SeedSeconds float64      `json:"seed_seconds"`
	TypicalUser string       `json:"typical_user"`
	Statements  []PlanResult `json:"statements"`
	// Planner is the reminder planner's statement, which a periodic job runs rather than a request; nil when
	// the phase did not reach it.
	Planner *PlannerPlans `json:"planner,omitempty"`
}

// PlannerPlans are the plans of the reminder planner (NotificationLedgerPlanReminders) on the same database,
// at a now when most users' reminder hour has come. It writes, so each run is in a transaction rolled back.
type PlannerPlans struct {
	Now   string `json:"now"`
	Grace string `json:"grace"`
	// Warranties are the documents of doc_type 'warranty' in the database.
	Warranties int `json:"warranties"`
	// LedgerRows and FeedRows are what the first run wrote, for Users users, before it was rolled back.
	LedgerRows int64 `json:"ledger_rows"`
	FeedRows   int64 `json:"feed_rows"`
	Users      int64 `json:"users"`
	// Runs are the first run (an empty ledger: it writes every reminder due) and the same statement again in
	// that transaction (every reminder already planned: a run 15 minutes later).
	Runs []PlanResult `json:"runs"`
}

// PlanResult is one statement's plans: the custom plan PostgreSQL makes for the first executions of a
// prepared statement, and the generic plan it may switch to after five.
type PlanResult struct {
	Name    string       `json:"name"`
	Custom  *PlanSummary `json:"custom,omitempty"`
	Generic *PlanSummary `json:"generic,omitempty"`
	// Flags name what breaks the target: a sequential scan of a big table, or execution over 1 ms.
	Flags []string `json:"flags,omitempty"`
	Error string   `json:"error,omitempty"`
}

// PlanSummary is what a plan does and what it cost.
type PlanSummary struct {
	// Nodes are the plan's nodes, depth first: "Index Scan on tasks (tasks_residence_id_idx)".
	Nodes       []string `json:"nodes"`
	PlanningMs  float64  `json:"planning_ms"`
	ExecutionMs float64  `json:"execution_ms"`
	SharedHit   int64    `json:"shared_hit_blocks"`
	SharedRead  int64    `json:"shared_read_blocks"`
	Rows        int64    `json:"rows"`
}

// Goal is a verdict on one of issue 11's goals.
type Goal struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	// Status is "met", "missed" or "not measured".
	Status string `json:"status"`
	// Details say what was compared, and for a miss by how much.
	Details []string `json:"details"`
}

// Write stores r as results.json and results.md in dir.
func (r *Results) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("error creating %s: %w", dir, err)
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("error encoding results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(j, '\n'), 0o600); err != nil {
		return fmt.Errorf("error writing results.json: %w", err)
	}
	//nolint:gosec // G304: dir is the bench's own output directory, named by the caller
	if why, err := os.ReadFile(filepath.Join(dir, "why.md")); err == nil {
		r.Why = string(why)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(r.Markdown()), 0o600); err != nil {
		return fmt.Errorf("error writing results.md: %w", err)
	}
	return nil
}

// Poolers the latency matrix runs through (the values of DB_POOLER).
const (
	PoolerNone      = "none"
	PoolerPgBouncer = "pgbouncer-transaction"
)
