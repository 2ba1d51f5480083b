package cachetier

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/valkeyconn"
)

const (
	// tombstone is the value of a revoked key in a Tombstone tier; no codec produces it for a real value.
	tombstone = "-1"
	// genTTL keeps generation counters well past any value they guard.
	genTTL = 24 * time.Hour
	// markMemory is how long this process distrusts its client-side copy of a key it invalidated itself:
	// Valkey pushes the invalidation after the reply to the command, so for a moment the old copy is still
	// in memory. It only has to outlive that push.
	markMemory = time.Minute
	// markSize bounds the keys this process remembers invalidating.
	markSize = 100_000
	// queueSize bounds the fills waiting to be written.
	queueSize = 1024
)

// setIfGen stores KEYS[1] only while the generation counter KEYS[2] still holds ARGV[1] (absent counts as 0).
var setIfGen = valkey.NewLuaScript(`
local g = redis.call('GET', KEYS[2]) or '0'
if g == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0`)

// shared is the tier with Valkey: values live in Valkey and are read through valkey-go's client-side cache,
// so a warm Get is process memory and no round trip; the server pushes an invalidation to every process
// when a key changes.
type shared[K comparable, V any] struct {
	o    Options[K, V]
	conn *valkeyconn.Conn
	// marks holds the keys this process invalidated (see markMemory), with a sequence number so that a fill
	// clears only the mark it saw and not a newer one.
	marks   *otter.Cache[K, uint64]
	markSeq atomic.Uint64
	writes  *Queue
	// queued holds, per key, the generation of the fill waiting in writes or being written: requests that
	// miss before it lands would otherwise each queue the same write, and every extra write of a key makes
	// Valkey invalidate every process's copy of it again.
	queuedMu sync.Mutex
	queued   map[K]string
}

func newShared[K comparable, V any](o Options[K, V]) (*shared[K, V], error) {
	marks, err := otter.New(&otter.Options[K, uint64]{
		MaximumSize:      markSize,
		ExpiryCalculator: otter.ExpiryWriting[K, uint64](markMemory),
		Clock:            o.Clock,
	})
	if err != nil {
		return nil, err
	}
	return &shared[K, V]{o: o, conn: o.Conn, marks: marks, writes: NewQueue(queueSize), queued: map[K]string{}}, nil
}

func (s *shared[K, V]) get(ctx context.Context, k K) (V, bool, Fill[K]) {
	if s.o.Guard == Tombstone {
		return s.getTombstoned(ctx, k)
	}
	var zero V
	// The value and its generation are read together: one round trip on a miss, none when both are cached.
	key, genKey := s.o.Key(k), s.o.GenKey(k)
	res, err := s.conn.DoMultiCache(ctx, s.o.TTL, func(b valkey.Builder) []valkey.Cacheable {
		return []valkey.Cacheable{b.Get().Key(key).Cache(), b.Get().Key(genKey).Cache()}
	})
	if err != nil {
		return zero, false, Fill[K]{} // Valkey unreachable: read the source, store nothing
	}
	mark, marked := s.marks.GetIfPresent(k)
	if !marked {
		if raw, err := res[0].ToString(); err == nil {
			if v, err := s.o.Codec.Decode(raw); err == nil {
				return v, true, Fill[K]{}
			}
		}
	}
	gen := "0"
	if g, err := res[1].ToString(); err == nil {
		gen = g
	} else if !valkey.IsValkeyNil(err) {
		return zero, false, Fill[K]{} // generation unknown: a fill could not be guarded
	}
	return zero, false, Fill[K]{key: k, ok: true, gen: gen, mark: mark}
}

func (s *shared[K, V]) getTombstoned(ctx context.Context, k K) (V, bool, Fill[K]) {
	var zero V
	if _, revoked := s.marks.GetIfPresent(k); revoked {
		return zero, false, Fill[K]{}
	}
	key := s.o.Key(k)
	raw, err := s.conn.DoCache(ctx, func(b valkey.Builder) valkey.Cacheable { return b.Get().Key(key).Cache() }, s.o.TTL).ToString()
	if valkey.IsValkeyNil(err) {
		return zero, false, Fill[K]{key: k, ok: true}
	}
	if err != nil || raw == tombstone {
		return zero, false, Fill[K]{}
	}
	v, err := s.o.Codec.Decode(raw)
	if err != nil {
		return zero, false, Fill[K]{}
	}
	return v, true, Fill[K]{}
}

func (s *shared[K, V]) fresh(k K) Fill[K] {
	if s.o.Guard != Tombstone {
		return Fill[K]{}
	}
	return Fill[K]{key: k, ok: true}
}

func (s *shared[K, V]) fill(f Fill[K], v V) {
	s.queuedMu.Lock()
	if gen, ok := s.queued[f.key]; ok && gen == f.gen {
		s.queuedMu.Unlock()
		return // the same fill is already on its way
	}
	s.queued[f.key] = f.gen
	s.queuedMu.Unlock()
	done := func() {
		s.queuedMu.Lock()
		if s.queued[f.key] == f.gen {
			delete(s.queued, f.key)
		}
		s.queuedMu.Unlock()
	}
	if !s.writes.Go(func(ctx context.Context) {
		defer done()
		s.write(valkeyconn.Background(ctx), f, v)
	}) {
		done() // queue full: a later miss fills again
	}
}

// write stores one fill in Valkey (see fill).
func (s *shared[K, V]) write(ctx context.Context, f Fill[K], v V) {
	key, val := s.o.Key(f.key), s.o.Codec.Encode(v)
	if s.o.Guard == Tombstone {
		// NX: a revocation that raced the request left a tombstone, which must win.
		err := s.conn.Do(ctx, func(b valkey.Builder) valkey.Completed {
			return b.Set().Key(key).Value(val).Nx().Ex(s.o.TTL).Build()
		}).Error()
		if err != nil && !valkey.IsValkeyNil(err) {
			return
		}
		s.prime(ctx, key)
		return
	}
	stored, err := s.conn.Exec(ctx, setIfGen, []string{key, s.o.GenKey(f.key)},
		[]string{f.gen, val, strconv.FormatInt(int64(s.o.TTL/time.Second), 10)}).AsInt64()
	if err != nil || stored != 1 {
		return
	}
	s.prime(ctx, key)
	// This process's copy is the new value now: trust it again, unless the key was invalidated since.
	s.marks.Compute(f.key, func(mark uint64, found bool) (uint64, otter.ComputeOp) {
		if found && mark == f.mark {
			return 0, otter.InvalidateOp
		}
		return mark, otter.CancelOp
	})
}

// prime reads key back through the client-side cache, so this process's next Get is served from memory
// rather than paying the round trip itself.
func (s *shared[K, V]) prime(ctx context.Context, key string) {
	s.conn.DoCache(ctx, func(b valkey.Builder) valkey.Cacheable { return b.Get().Key(key).Cache() }, s.o.TTL)
}

func (s *shared[K, V]) invalidate(ctx context.Context, keys []K) error {
	for _, k := range keys {
		s.marks.Set(k, s.markSeq.Add(1))
	}
	_, err := s.conn.DoMulti(ctx, func(b valkey.Builder) []valkey.Completed {
		if s.o.Guard == Tombstone {
			// A tombstone rather than DEL: a request that read the source just before the revocation writes
			// its fill with SET NX, which the tombstone refuses. Writing the key also makes Valkey invalidate
			// every process's client-side copy.
			cmds := make([]valkey.Completed, len(keys))
			for i, k := range keys {
				cmds[i] = b.Set().Key(s.o.Key(k)).Value(tombstone).Ex(s.o.TTL).Build()
			}
			return cmds
		}
		cmds := make([]valkey.Completed, 0, 3*len(keys))
		for _, k := range keys {
			genKey := s.o.GenKey(k)
			cmds = append(cmds,
				b.Incr().Key(genKey).Build(),
				b.Expire().Key(genKey).Seconds(int64(genTTL/time.Second)).Build(),
				b.Del().Key(s.o.Key(k)).Build())
		}
		return cmds
	})
	if err != nil {
		return fmt.Errorf("error writing to valkey: %w", err)
	}
	return nil
}

func (s *shared[K, V]) close() {
	s.writes.Close()
	s.marks.StopAllGoroutines()
}
