package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Results is what one run measured; it is written as JSON and as a Markdown table.
type Results struct {
	Date string `json:"date"`
	// ConfiguredRTTMs is the delay the proxy adds per round trip; MeasuredRTTMs is the median of a bare
	// SELECT 1 through it, and DirectRTTMs the same without the proxy.
	ConfiguredRTTMs float64 `json:"configured_rtt_ms"`
	MeasuredRTTMs   float64 `json:"measured_rtt_ms"`
	DirectRTTMs     float64 `json:"direct_rtt_ms"`
	// WarmSamples is how many back-to-back requests the warm median and p95 are taken over.
	WarmSamples int        `json:"warm_samples"`
	IdleSamples int        `json:"idle_samples"`
	IdleGap     string     `json:"idle_gap"`
	Seed        string     `json:"seed"`
	Endpoints   []Endpoint `json:"endpoints"`
	NotMeasured []string   `json:"not_measured"`
}

// Endpoint holds one path's timings in milliseconds, with the SQL statements the process ran for them.
type Endpoint struct {
	Path string `json:"path"`
	// First is the first request to a freshly started instance whose token Valkey already knows.
	FirstMs  float64 `json:"first_ms"`
	FirstSQL int64   `json:"first_sql"`
	// FirstStatements are the beginnings of the statements the first request ran, to see what it waited for.
	FirstStatements []string `json:"first_statements"`
	// WarmMedian and WarmP95 are over back-to-back requests; WarmSQL is statements per request.
	WarmMedianMs float64 `json:"warm_median_ms"`
	WarmP95Ms    float64 `json:"warm_p95_ms"`
	WarmSQL      float64 `json:"warm_sql_per_request"`
	// Idle is the median of requests each sent after the idle gap.
	IdleMs  float64 `json:"idle_ms"`
	IdleSQL float64 `json:"idle_sql_per_request"`
}

// ms converts a duration to milliseconds with microsecond precision.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// percentile returns the p-th percentile (nearest rank) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p/100*float64(len(s)) + 0.5)
	i = min(max(i-1, 0), len(s)-1)
	return s[i]
}

// Write stores r as results.json and results.md in dir.
func (r Results) Write(dir string) error {
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
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(r.markdown()), 0o600); err != nil {
		return fmt.Errorf("error writing results.md: %w", err)
	}
	return nil
}

// markdown renders r as a page with one table row per endpoint: ms, the multiple of the RTT, statements.
func (r Results) markdown() string {
	var b strings.Builder
	rtt := r.MeasuredRTTMs
	cell := func(v float64, sql float64) string {
		return fmt.Sprintf("%.1f ms · %.2f RTT · %g sql", v, v/rtt, sql)
	}
	fmt.Fprintf(&b, "# Latency of authenticated reads (`make bench-quick`)\n\n")
	fmt.Fprintf(&b, "Run %s. PostgreSQL behind an in-process Toxiproxy adding %.0f ms per round trip (half each way); "+
		"a bare `SELECT 1` through it takes **%.1f ms** (directly %.2f ms), the RTT used below. Valkey direct. "+
		"Seed: %s.\n\n", r.Date, r.ConfiguredRTTMs, r.MeasuredRTTMs, r.DirectRTTMs, r.Seed)
	fmt.Fprintf(&b, "Each cell: milliseconds from the client, that as a multiple of the RTT, and SQL statements the "+
		"process ran per request. First: one request to a freshly started instance (token known to Valkey). "+
		"Warm: %d back-to-back requests after five warm-ups. After idle: median of %d requests each sent %s after "+
		"the previous one.\n\n", r.WarmSamples, r.IdleSamples, r.IdleGap)
	b.WriteString("| GET | first after a fresh start | warm, median | warm, p95 | warm after " + r.IdleGap + " idle |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, e := range r.Endpoints {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %.1f ms · %.2f RTT | %s |\n", e.Path,
			cell(e.FirstMs, float64(e.FirstSQL)), cell(e.WarmMedianMs, e.WarmSQL), e.WarmP95Ms, e.WarmP95Ms/rtt,
			cell(e.IdleMs, e.IdleSQL))
	}
	b.WriteString("\n## Not measured yet\n\n")
	for _, n := range r.NotMeasured {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return b.String()
}
