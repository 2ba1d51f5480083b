package cachetier

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
)

// local is the tier without Valkey: an otter cache in process, where an invalidation is a tombstone entry
// carrying a new generation. Generations come from one counter, so they only grow.
//
// A Fill remembers the generation Get saw: the key's tombstone, or floor when the key was absent. A fill is
// stored only if that is still what the key holds. Because the cache is bounded, a tombstone can be evicted
// before a fill that raced it arrives; floor, the highest generation ever evicted, is what an absent key
// counts as, so the evicted tombstone still refuses the fill. A fill older than the tombstones' lifetime is
// refused outright, since an expired tombstone may not have raised floor yet.
type local[K comparable, V any] struct {
	guard   Guard
	entries *otter.Cache[K, entry[V]]
	// seq hands out generations; floor is the highest generation of an entry evicted or expired.
	seq, floor atomic.Uint64
	tombTTL    time.Duration
	now        func() int64
}

// entry is a value, or a tombstone (an invalidation) when tomb is set.
type entry[V any] struct {
	val  V
	gen  uint64
	tomb bool
}

func newLocal[K comparable, V any](o Options[K, V]) (*local[K, V], error) {
	l := &local[K, V]{guard: o.Guard, tombTTL: o.TTL, now: func() int64 { return time.Now().UnixNano() }}
	if o.Clock != nil {
		l.now = o.Clock.NowNano
	}
	var err error
	l.entries, err = otter.New(&otter.Options[K, entry[V]]{
		MaximumSize: o.LocalSize,
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[K, entry[V]]) time.Duration {
			if e.Value.tomb {
				return o.TTL
			}
			return o.LocalTTL
		}),
		// Runs under the entry's bucket lock, so a Compute on the key sees the raised floor.
		OnAtomicDeletion: func(e otter.DeletionEvent[K, entry[V]]) {
			if e.WasEvicted() {
				raise(&l.floor, e.Value.gen)
			}
		},
		Clock: o.Clock,
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// raise sets a to at least v.
func raise(a *atomic.Uint64, v uint64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
			return
		}
	}
}

func (l *local[K, V]) get(_ context.Context, k K) (V, bool, Fill[K]) {
	var zero V
	e, found := l.entries.GetIfPresent(k)
	switch {
	case found && !e.tomb:
		return e.val, true, Fill[K]{}
	case found && l.guard == Tombstone:
		return zero, false, Fill[K]{} // revoked
	case found:
		return zero, false, Fill[K]{key: k, ok: true, local: e.gen, at: l.now()}
	default:
		return zero, false, Fill[K]{key: k, ok: true, local: l.floor.Load(), at: l.now()}
	}
}

func (l *local[K, V]) fresh(k K) Fill[K] {
	if l.guard != Tombstone {
		return Fill[K]{}
	}
	return Fill[K]{key: k, ok: true, local: l.floor.Load(), at: l.now()}
}

func (l *local[K, V]) fill(f Fill[K], v V) {
	if l.now()-f.at >= int64(l.tombTTL) {
		return
	}
	l.entries.Compute(f.key, func(old entry[V], found bool) (entry[V], otter.ComputeOp) {
		cur := l.floor.Load()
		if found {
			cur = old.gen
		}
		if cur != f.local || (found && !old.tomb && l.guard == Tombstone) {
			return old, otter.CancelOp // invalidated since Get, or (Tombstone) never replace
		}
		return entry[V]{val: v, gen: f.local}, otter.WriteOp
	})
}

func (l *local[K, V]) invalidate(_ context.Context, keys []K) error {
	for _, k := range keys {
		l.entries.Compute(k, func(entry[V], bool) (entry[V], otter.ComputeOp) {
			return entry[V]{gen: l.seq.Add(1), tomb: true}, otter.WriteOp
		})
	}
	return nil
}

func (l *local[K, V]) close() { l.entries.StopAllGoroutines() }
