// Package periodic runs background passes on a timer until their context ends: the orphan-file sweep, the
// delivery of recorded revocations and the retries of cache writes that found Valkey down. Each pass says
// how long to wait before the next, so a failing pass can retry sooner (or later) than the usual interval.
// The jobs issue moves these passes onto river's periodic jobs; until then this is their one loop.
package periodic

import (
	"context"
	"time"
)

// Run waits first, then calls pass, then waits for the duration pass returned, and so on until ctx ends.
// It returns when ctx ends, never in the middle of a pass.
func Run(ctx context.Context, first time.Duration, pass func(context.Context) time.Duration) {
	t := time.NewTimer(first)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		t.Reset(pass(ctx))
	}
}
