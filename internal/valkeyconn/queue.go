package valkeyconn

import (
	"context"
	"sync"
	"time"
)

// Queue runs cache writes in the background, one at a time, so a request that missed the cache does not wait
// for the fill. It is bounded: when full, a write is dropped (a later miss simply fills again).
type Queue struct {
	writes chan func(context.Context)
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// writeTimeout bounds one background write.
const writeTimeout = 2 * time.Second

// NewQueue starts a queue holding at most size pending writes.
func NewQueue(size int) *Queue {
	ctx, cancel := context.WithCancel(context.Background())
	q := &Queue{writes: make(chan func(context.Context), size), cancel: cancel}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case f := <-q.writes:
				wctx, cancel := context.WithTimeout(ctx, writeTimeout)
				f(wctx)
				cancel()
			}
		}
	}()
	return q
}

// Go queues f and reports whether it was queued.
func (q *Queue) Go(f func(context.Context)) bool {
	select {
	case q.writes <- f:
		return true
	default:
		return false
	}
}

// Close stops the queue; pending writes are dropped.
func (q *Queue) Close() {
	q.cancel()
	q.wg.Wait()
}
