package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// latencyResults is a run at 50 ms with one read and the conditional board, each cell at the given multiple.
func latencyResults(pooler string, read, conditional float64, conditionalSQL float64) *Results {
	cell := func(m, sql float64, status int) *Cell {
		return &Cell{Ms: m * 50, RTT: m, SQL: sql, RoundTrips: min(sql, 1), Sequential: min(sql, 1), Status: status}
	}
	return &Results{Latency: []LatencyRun{{Pooler: pooler, ConfiguredRTTMs: 50, MeasuredRTTMs: 50, Rows: []LatencyRow{
		{Request: "GET /api/tasks", Cells: map[string]*Cell{StateWarm: cell(1.02, 1, 200), StateFirst: cell(read, 2, 200)}},
		{Request: ConditionalBoard, Cells: map[string]*Cell{StateWarm: cell(conditional, conditionalSQL, 304),
			StateCold: cell(2, 1, 304)}},
	}}}}
}

func TestEvaluateGoals(t *testing.T) {
	t.Parallel()
	board := func(rps, p99, rss, sql float64) *Throughput {
		return &Throughput{Comparisons: []Comparison{{Concurrency: 32,
			Reference: Summary{RPS: 1000, P99Ms: 20},
			Homekeep:  Summary{RPS: rps, P99Ms: p99, PeakRSSMiB: rss, SQLPerRequest: sql},
			RPSRatio:  rps / 1000, P99Ratio: p99 / 20}}}
	}
	tests := []struct {
		name    string
		res     *Results
		want    [3]string
		details string
	}{
		{"NothingMeasured", &Results{}, [3]string{NotMeasured, NotMeasured, NotMeasured}, ""},
		{"OneTripAndZeroTrips", latencyResults(PoolerNone, 1.2, 0.01, 0), [3]string{Met, Met, NotMeasured}, ""},
		{"TwoTripsAfterAStartMiss", latencyResults(PoolerNone, 2.1, 0.01, 0), [3]string{Missed, Met, NotMeasured},
			"first after a fresh start, at 50 ms: 2.10 RTT"},
		{"AConditionalBoardWithSQLMisses", latencyResults(PoolerNone, 1.1, 0.3, 1), [3]string{Met, Missed, NotMeasured},
			"1 sql"},
		{"PgBouncerIsNotJudged", latencyResults(PoolerPgBouncer, 3, 2, 1), [3]string{NotMeasured, NotMeasured, NotMeasured}, ""},
		{"ThroughputMet", &Results{Throughput: board(900, 25, 50, 1)}, [3]string{NotMeasured, NotMeasured, Met},
			"no board cache served it"},
		{"ThroughputShort", &Results{Throughput: board(700, 25, 50, 1)}, [3]string{NotMeasured, NotMeasured, Missed},
			"10 points short"},
		{"P99TooHigh", &Results{Throughput: board(900, 40, 50, 1)}, [3]string{NotMeasured, NotMeasured, Missed},
			"2.00× the reference's"},
		{"TooMuchMemory", &Results{Throughput: board(900, 25, 70, 1)}, [3]string{NotMeasured, NotMeasured, Missed},
			"10.0 over 60"},
		{"CachedBoardMustBeatTheReference", &Results{Throughput: board(950, 25, 50, 0)},
			[3]string{NotMeasured, NotMeasured, Missed}, "not above it"},
		{"CachedBoardAboveTheReference", &Results{Throughput: board(1200, 15, 50, 0)},
			[3]string{NotMeasured, NotMeasured, Met}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			goals := EvaluateGoals(tt.res)
			var all []string
			for i, g := range goals {
				require.Equal(t, i+1, g.Number)
				require.Equal(t, tt.want[i], g.Status, "goal %d: %v", g.Number, g.Details)
				all = append(all, g.Details...)
			}
			require.Contains(t, strings.Join(all, "\n"), tt.details)
		})
	}
}

func TestMarkdownShowsEveryCell(t *testing.T) {
	t.Parallel()
	r := latencyResults(PoolerNone, 1.2, 0.01, 0)
	r.Mode = "quick"
	r.Goals = EvaluateGoals(r)
	md := r.Markdown()
	for _, want := range []string{"# Homekeep bench (`make bench-quick`)", "**Goal 1, one round trip",
		"| `GET /api/tasks` | 60.0 ms · 1.20 RTT · 2 sql in 1 trip | — | 51.0 ms · 1.02 RTT · 1 sql |",
		"| `GET /api/tasks (If-None-Match)` | — | 100.0 ms · 2.00 RTT · 1 sql · 304 | 0.5 ms · 0.01 RTT · 0 sql · 304 |"} {
		require.Contains(t, md, want)
	}
}

func TestMarkdownCarriesTheAnalysisOfTheMisses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "why.md"), []byte("- the board plans slowly\n"), 0o600))
	r := latencyResults(PoolerNone, 1.2, 0.01, 0)
	r.Goals = EvaluateGoals(r)
	require.NoError(t, r.Write(dir))
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "## Why the misses\n\n- the board plans slowly\n")
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	ds := []time.Duration{5, 1, 4, 2, 3}
	require.Equal(t, time.Duration(3), percentile(ds, 50))
	require.Equal(t, time.Duration(5), percentile(ds, 95))
	require.Equal(t, time.Duration(1), percentile(ds, 1))
	require.Zero(t, percentile(nil, 50))
	require.InDelta(t, 2.0, medianFloat([]float64{3, 1, 2, 4}), 0)
}
