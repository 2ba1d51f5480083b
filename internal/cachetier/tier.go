package cachetier

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// Guard says how an invalidation beats a fill that read the source of truth before it.
type Guard int

const (
	// Generation guards with a counter: every key has a generation that Invalidate increments. Get records
	// the generation it saw; Fill stores only while it is unchanged, so a fill that raced an invalidation is
	// dropped and the next one is stored. For values that change: lists, versions, settings.
	Generation Guard = iota
	// Tombstone guards with a marker: Invalidate overwrites the key with a tombstone that lives for the TTL,
	// and a fill never replaces anything (SET NX), so a revoked key reads as a miss until it expires. For
	// facts that are revoked for good: a token's user.
	Tombstone
)

// Options configures New.
type Options[K comparable, V any] struct {
	// Conn is the Valkey connection; nil keeps the tier in process (an invalidation then reaches only this
	// process).
	Conn *valkeyconn.Conn
	// Name says what is cached, in errors ("residence access").
	Name  string
	Guard Guard
	// Key is the Valkey key of a value (with the deployment's prefix).
	Key func(K) string
	// GenKey is the Valkey key of a value's generation counter; Generation tiers only.
	GenKey func(K) string
	Codec  Codec[V]
	// TTL bounds a value in Valkey and its client-side copy, and a tombstone everywhere.
	TTL time.Duration
	// LocalTTL bounds a value in process without Valkey, where another process's change cannot be
	// announced; zero means TTL.
	LocalTTL time.Duration
	// LocalSize bounds the in-process tier (entries); zero means 10 000.
	LocalSize int
	// Clock is the in-process time source; tests move a fake one instead of sleeping. Nil is the real clock.
	Clock otter.Clock
}

// Fill is what Get returns on a miss: hand it to Tier.Fill with the value read from the source of truth. It
// carries what Get saw, so the fill can be refused if an invalidation came in between. The zero Fill stores
// nothing: Get returns it when the value could not be known to be current (Valkey unreachable, a revoked
// key).
type Fill[K comparable] struct {
	key K
	ok  bool
	// gen is the Valkey generation Get read (Generation tiers with Valkey).
	gen string
	// local is the in-process generation Get saw, and at when (without Valkey).
	local uint64
	at    int64
	// mark is this process's invalidation mark of the key when Get ran (with Valkey).
	mark uint64
}

// backend is one of the two places a tier lives: in process (local.go) or in Valkey read through the
// client-side cache (shared.go). Tier picks one at New, so no method branches on it.
type backend[K comparable, V any] interface {
	get(ctx context.Context, k K) (V, bool, Fill[K])
	fresh(k K) Fill[K]
	fill(f Fill[K], v V)
	invalidate(ctx context.Context, keys []K) error
	close()
}

// Tier is a cache of values of type V under keys of type K, in Valkey when there is a connection and in
// process otherwise. It is safe for concurrent use.
type Tier[K comparable, V any] struct {
	name string
	b    backend[K, V]
	// hits and misses count Get's answers, for the metrics (an atomic add each, no lock).
	hits, misses atomic.Uint64
}

// Stats is a cache's hit and miss counts since it was created, under a name for the metrics' cache label.
type Stats struct {
	Name         string
	Hits, Misses uint64
}

// Stats returns how many Gets hit and missed so far, named after the tier (Options.Name).
func (t *Tier[K, V]) Stats() Stats {
	return Stats{Name: t.name, Hits: t.hits.Load(), Misses: t.misses.Load()}
}

// New returns a Tier. Close it to stop its background writer.
func New[K comparable, V any](o Options[K, V]) (*Tier[K, V], error) {
	if o.Key == nil || o.Codec.Encode == nil || o.Codec.Decode == nil || o.TTL <= 0 {
		return nil, errors.New("error creating cache tier: Key, Codec and a positive TTL are required")
	}
	if o.Guard == Generation && o.GenKey == nil {
		return nil, errors.New("error creating cache tier: a Generation tier needs GenKey")
	}
	if o.LocalTTL <= 0 {
		o.LocalTTL = o.TTL
	}
	if o.LocalSize <= 0 {
		o.LocalSize = 10_000
	}
	var (
		b   backend[K, V]
		err error
	)
	if o.Conn == nil {
		b, err = newLocal(o)
	} else {
		b, err = newShared(o)
	}
	if err != nil {
		return nil, fmt.Errorf("error creating %s cache: %w", o.Name, err)
	}
	return &Tier[K, V]{name: o.Name, b: b}, nil
}

// Get returns the cached value of k. On a miss it returns a Fill to pass to Fill once the value has been
// read from the source of truth. Any failure is a miss: the caller reads the source.
func (t *Tier[K, V]) Get(ctx context.Context, k K) (V, bool, Fill[K]) {
	v, ok, f := t.b.get(ctx, k)
	if ok {
		t.hits.Add(1)
	} else {
		t.misses.Add(1)
	}
	return v, ok, f
}

// Fill stores v as the value Get missed, unless an invalidation of the key came after that Get. With Valkey
// the write happens in the background (a bounded queue), so it adds no latency to the request that missed.
func (t *Tier[K, V]) Fill(f Fill[K], v V) {
	if f.ok {
		t.b.fill(f, v)
	}
}

// Load returns the cached value of k, or reads it with load and fills the cache: the usual read path in
// one call.
func (t *Tier[K, V]) Load(ctx context.Context, k K, load func(context.Context) (V, error)) (V, error) {
	v, ok, f := t.Get(ctx, k)
	if ok {
		return v, nil
	}
	v, err := load(ctx)
	if err != nil {
		var zero V
		return zero, err
	}
	t.Fill(f, v)
	return v, nil
}

// Add stores v for a key just created, that no invalidation can have reached yet (a token just issued),
// without a Get first. It never replaces a value or a tombstone. Only Tombstone tiers can tell: on a
// Generation tier, whose current generation only Get knows, it stores nothing.
func (t *Tier[K, V]) Add(k K, v V) { t.Fill(t.b.fresh(k), v) }

// Invalidate forgets the keys everywhere before returning: this process misses at once, other processes as
// soon as Valkey's invalidation reaches their client-side cache (typically well under a millisecond). A
// Generation tier fills again at the next miss; a Tombstone tier refuses fills of these keys for the TTL.
// An error means Valkey could not be told (this process still misses).
func (t *Tier[K, V]) Invalidate(ctx context.Context, keys ...K) error {
	if len(keys) == 0 {
		return nil
	}
	if err := t.b.invalidate(ctx, keys); err != nil {
		return fmt.Errorf("error invalidating cached %s: %w", t.name, err)
	}
	return nil
}

// Close stops the background writer; queued fills are dropped.
func (t *Tier[K, V]) Close() { t.b.close() }
