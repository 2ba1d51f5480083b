package ratelimit

import (
	"sync"
	"time"

	"github.com/maypok86/otter/v2"
)

const (
	// localMaxEntries bounds the in-process counters (a few MB), so a flood of unique keys (random emails)
	// cannot exhaust memory. Beyond it otter evicts by frequency (W-TinyLFU): an attacker's hot keys tend to
	// stay counted while one-off keys make way. Losing a counter only ever allows more attempts, never fewer.
	localMaxEntries = 100_000
	// localTTLSlack keeps a counter briefly past its window's end; nothing reads it then, it only must not
	// vanish while the window is still current.
	localTTLSlack = time.Second
)

// localCount is one in-process counter; ttl is how long it lives from its creation (the rest of its window).
type localCount struct {
	n   int64
	ttl time.Duration
}

// localCounter counts attempts in this process: when Valkey is not configured or not reachable.
type localCounter struct {
	// mu makes one attempt's keys count together: without it two racing attempts can each see the other's
	// increment on one key and both be refused at the limit's edge.
	mu    sync.Mutex
	cache *otter.Cache[string, localCount]
}

func newLocalCounter(maxEntries int) *localCounter {
	return &localCounter{cache: otter.Must(&otter.Options[string, localCount]{
		MaximumSize: maxEntries,
		// Expire by creation time: later increments must not extend a window's counter.
		ExpiryCalculator: otter.ExpiryCreatingFunc(func(e otter.Entry[string, localCount]) time.Duration {
			return e.Value.ttl
		}),
	})}
}

// incr increments every key and returns the new counts in order. Each increment is atomic (Compute locks the
// key), so concurrent attempts never see the same count. ttl applies to counters this call creates.
func (c *localCounter) incr(keys []string, ttl time.Duration) []int64 {
	counts := make([]int64, len(keys))
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, k := range keys {
		v, _ := c.cache.Compute(k, func(old localCount, found bool) (localCount, otter.ComputeOp) {
			if !found {
				old = localCount{ttl: ttl}
			}
			old.n++
			return old, otter.WriteOp
		})
		counts[i] = v.n
	}
	return counts
}
