package cachetier

import (
	"context"
	"sync"
	"time"
)

// Queue runs cache writes in the background, one at a time, so a request that missed the cache does not wait
// for the fill. It is bounded: when full, a write is dropped (a later miss simply fills again). Its goroutine
// starts with the first write, so a tier that is only ever invalidated (a CLI run) starts none.
type Queue struct {
	writes chan func(context.Context)

	mu      sync.Mutex
	started bool
	closed  bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// writeTimeout bounds one background write.
const writeTimeout = 2 * time.Second

// NewQueue returns a queue holding at most size pending writes.
func NewQueue(size int) *Queue {
	return &Queue{writes: make(chan func(context.Context), size)}
}

// Go queues f and reports whether it was queued; it never blocks.
func (q *Queue) Go(f func(context.Context)) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	if !q.started {
		q.started = true
		ctx, cancel := context.WithCancel(context.Background())
		q.cancel = cancel
		q.wg.Add(1)
		go q.run(ctx)
	}
	q.mu.Unlock()
	select {
	case q.writes <- f:
		return true
	default:
		return false
	}
}

func (q *Queue) run(ctx context.Context) {
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
}

// Close stops the queue and waits for the write in progress; pending writes are dropped.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	cancel := q.cancel
	q.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	q.wg.Wait()
}
