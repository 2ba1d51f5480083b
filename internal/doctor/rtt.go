package doctor

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Samples is how many round trips doctor times to each server.
const Samples = 10

// measure times n calls of one round trip after one untimed call (which may still be finishing the
// connection's set-up) and summarises them.
func measure(ctx context.Context, n int, trip func(context.Context) error) (*RTT, error) {
	if err := trip(ctx); err != nil {
		return nil, err
	}
	d := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if err := trip(ctx); err != nil {
			return nil, fmt.Errorf("error timing a round trip: %w", err)
		}
		d = append(d, time.Since(start))
	}
	return summarise(d), nil
}

// summarise returns the median and spread of d (not empty), by nearest rank.
func summarise(d []time.Duration) *RTT {
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[int(p*float64(len(s)-1)+0.5)] }
	median := s[len(s)/2]
	if len(s)%2 == 0 {
		median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return &RTT{Samples: len(s), Median: median, P10: at(0.1), P90: at(0.9), Min: s[0], Max: s[len(s)-1]}
}
