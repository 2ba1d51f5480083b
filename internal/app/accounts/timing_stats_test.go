package accounts_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// mannWhitney returns the two-sided p-value of the Mann–Whitney U test that a and b come from the same
// distribution, by the normal approximation with the correction for ties (sound for samples of 20 and more).
// It compares ranks, not values, so the few very slow samples a busy machine produces (a GC pause, a
// descheduled thread) move it no more than any other sample would.
func mannWhitney(a, b []time.Duration) float64 {
	type obs struct {
		v     time.Duration
		fromA bool
	}
	all := make([]obs, 0, len(a)+len(b))
	for _, v := range a {
		all = append(all, obs{v, true})
	}
	for _, v := range b {
		all = append(all, obs{v, false})
	}
	slices.SortFunc(all, func(x, y obs) int { return int(x.v - y.v) })

	n1, n2 := float64(len(a)), float64(len(b))
	n := n1 + n2
	var rankA, ties float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		rank := float64(i+j+1) / 2 // the mean of ranks i+1 … j
		for k := i; k < j; k++ {
			if all[k].fromA {
				rankA += rank
			}
		}
		t := float64(j - i)
		ties += t*t*t - t
		i = j
	}
	u := rankA - n1*(n1+1)/2
	mean := n1 * n2 / 2
	sd := math.Sqrt(n1 * n2 / 12 * ((n + 1) - ties/(n*(n-1))))
	if sd == 0 {
		return 1
	}
	z := (math.Abs(u-mean) - 0.5) / sd // with the continuity correction
	return math.Erfc(max(z, 0) / math.Sqrt2)
}

// median returns the middle of d (the mean of the two middle values for an even count); d is not changed.
func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func TestMannWhitneyTellsShiftedSamplesApart(t *testing.T) {
	t.Parallel()
	// A deterministic spread of latencies around 1 ms, with a few slow outliers like a busy machine's.
	base := func(shift time.Duration) []time.Duration {
		out := make([]time.Duration, 200)
		for i := range out {
			out[i] = time.Millisecond + time.Duration((i*7919)%400)*time.Microsecond + shift
			if i%50 == 0 {
				out[i] += 20 * time.Millisecond
			}
		}
		return out
	}

	same := mannWhitney(base(0), base(0))
	require.InDelta(t, 1, same, 0.01, "identical samples: nothing to tell apart")

	shifted := mannWhitney(base(0), base(300*time.Microsecond))
	require.Less(t, shifted, 1e-6, "a shift of 3/4 of the spread, in every sample, is significant")

	// Known small case: a = 1..5, b = 6..10 (U = 0): z = (12.5-0.5)/sqrt(25*11/12) = 2.5067, p = 0.0122.
	a := []time.Duration{1, 2, 3, 4, 5}
	b := []time.Duration{6, 7, 8, 9, 10}
	require.InDelta(t, 0.0122, mannWhitney(a, b), 0.0005)
	require.InDelta(t, mannWhitney(a, b), mannWhitney(b, a), 1e-12, "symmetric")

	require.Equal(t, 3*time.Millisecond, median([]time.Duration{5 * time.Millisecond, time.Millisecond, 3 * time.Millisecond}))
	require.Equal(t, 2*time.Millisecond, median([]time.Duration{time.Millisecond, 3 * time.Millisecond}))
}
