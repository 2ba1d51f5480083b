package doctor

import "time"

// Status is a check's outcome. Only StatusFail makes `homekeep doctor` exit non-zero: a warning is something
// to know (a far database, pending migrations that serve would apply), not something broken.
type Status string

// The three outcomes of a check.
const (
	StatusOK   Status = "ok"
	StatusWarn Status = "warn"
	StatusFail Status = "fail"
)

// Report is everything doctor measured. Its JSON form is what `homekeep doctor --json` prints.
type Report struct {
	Postgres Postgres `json:"postgres"`
	// Valkey is nil when VALKEY_URL is unset.
	Valkey *Valkey `json:"valkey"`
	// Pool is the pool settings serve would use.
	Pool Pool `json:"pool"`
	// Expected is what an authenticated board read costs in database round trips from here; nil when
	// PostgreSQL could not be reached.
	Expected *Expected `json:"expected_board_read"`
	// Checks lists every verdict in the order they were made.
	Checks []Check `json:"checks"`
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	for _, c := range r.Checks {
		if c.Status == StatusFail {
			return true
		}
	}
	return false
}

func (r *Report) add(name string, s Status, msg string) {
	r.Checks = append(r.Checks, Check{Name: name, Status: s, Message: msg})
}

// Check is one verdict with a line that explains it.
type Check struct {
	Name    string `json:"name"`
	Status  Status `json:"status"`
	Message string `json:"message"`
}

// RTT summarises repeated round trips: the median and the spread (p10, p90, min, max). The median is
// what a typical request pays; the spread shows a jittery link.
type RTT struct {
	Samples int           `json:"samples"`
	Median  time.Duration `json:"median_ns"`
	P10     time.Duration `json:"p10_ns"`
	P90     time.Duration `json:"p90_ns"`
	Min     time.Duration `json:"min_ns"`
	Max     time.Duration `json:"max_ns"`
}

// Postgres is what doctor found about PostgreSQL.
type Postgres struct {
	// Host is host:port from DATABASE_URL (never the password).
	Host      string `json:"host"`
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
	Version   string `json:"version,omitempty"`
	RTT       *RTT   `json:"rtt,omitempty"`
	// ClientTLS: this process's connection is encrypted (to PostgreSQL, or to the pooler in front of it).
	ClientTLS bool `json:"client_tls"`
	// ServerSSL: pg_stat_ssl says the server connection is encrypted (behind a pooler: the pooler's
	// connection to PostgreSQL); nil when it could not be read.
	ServerSSL *bool `json:"server_ssl,omitempty"`
	// Pooler is what sits between this process and PostgreSQL.
	Pooler PoolerDetection `json:"pooler"`
	// PendingMigrations names the migrations serve would apply; nil when the status could not be read.
	PendingMigrations []string `json:"pending_migrations"`
}

// Valkey is what doctor found about Valkey.
type Valkey struct {
	Host      string `json:"host"`
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
	Version   string `json:"version,omitempty"`
	RTT       *RTT   `json:"rtt,omitempty"`
}

// Pool is the pool configuration serve would use.
type Pool struct {
	MaxConns        int32         `json:"max_conns"`
	MinConns        int32         `json:"min_conns"`
	MaxConnLifetime time.Duration `json:"max_conn_lifetime_ns"`
	MaxConnIdleTime time.Duration `json:"max_conn_idle_time_ns"`
	// Pooler is DB_POOLER.
	Pooler        string `json:"db_pooler"`
	PlanCacheMode string `json:"plan_cache_mode"`
}

// Expected is the database time of an authenticated board read from here, from the median RTT: warm (token,
// user and access cached: the board statement only) is one round trip, cold (token ⋈ user, then the
// board) two, and the first after a deploy two as well (connections are opened and prepared before the
// listener takes traffic, so it pays what a cold read pays, not the connection set-up).
type Expected struct {
	Warm             time.Duration `json:"warm_ns"`
	Cold             time.Duration `json:"cold_ns"`
	FirstAfterDeploy time.Duration `json:"first_after_deploy_ns"`
}

// FarRTT is the database round-trip time above which doctor warns: every request pays it at least once.
const FarRTT = 20 * time.Millisecond
