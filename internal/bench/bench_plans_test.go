package bench

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBenchPlans is `make bench-plans` (HOMEKEEP_BENCH_PLANS=full or smoke): TestBench's plans phase alone, at
// that mode's scale (1,000,000 tasks in full), without the seeded account and the timing-sensitive phases.
// It logs the Plans section and writes nothing: bench/results.md and results.json are a whole run's.
func TestBenchPlans(t *testing.T) {
	name := os.Getenv("HOMEKEEP_BENCH_PLANS")
	if name == "" {
		t.Skip("a measurement, not a test: run it with `make bench-plans`")
	}
	m, ok := modes[name]
	require.True(t, ok && m.plans, "HOMEKEEP_BENCH_PLANS=%q: want full, long or smoke", name)
	b := &bench{mode: m, res: &Results{}}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.res.Plans != nil {
			var md strings.Builder
			b.res.Plans.markdown(&md)
			t.Log("\n" + md.String())
		}
	})
	b.plans(t, nil)
}
