package boardversion

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/cachetier"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

const (
	// versionTTL drops the versions of residences nobody reads any more; an expired version is filled again
	// at the next read, which costs each of its boards one statement.
	versionTTL = 7 * 24 * time.Hour
	// timezoneTTL bounds a timezone in Valkey: a residence's timezone is read again from PostgreSQL at least
	// this often, so even a fill that raced a change in a way the writes cannot order (the key evicted in
	// between) is corrected.
	timezoneTTL = 24 * time.Hour
	// copyTTL bounds this process's client-side copy of a key, should an invalidation ever be lost.
	copyTTL = 10 * time.Minute
	// recentMemory is how long this process distrusts its client-side copy of a key it wrote: Valkey pushes
	// the invalidation of its own copy after the reply, so it only has to outlive that push.
	recentMemory = time.Minute
	// recentSize bounds the keys remembered as recently written.
	recentSize = 100_000
	// fillQueueSize bounds the timezone fills waiting to be written.
	fillQueueSize = 1024
	// lostTimezonesMax bounds the residences whose timezone write failed and is still to be cleared.
	lostTimezonesMax = 10_000
)

// shared keeps the versions in Valkey, read through the client-side cache (see the package doc).
type shared struct {
	conn   *valkeyconn.Conn
	prefix string
	log    *slog.Logger

	// recent maps a key this process wrote, or read past its client-side copy, to the value it saw, with a
	// sequence number so that an older observation never replaces a newer one.
	recent *otter.Cache[string, mark]
	seq    atomic.Uint64
	fills  *cachetier.Queue

	// failures counts writes that may not have reached Valkey; recovered is the count a lookups bump has
	// covered. The store is dirty while they differ.
	failures, recovered atomic.Uint64
	mu                  sync.Mutex
	lostTimezones       map[int64]struct{}
	retrying, closed    bool
	stop                chan struct{}
	wg                  sync.WaitGroup
}

// mark is what this process last saw a key hold.
type mark struct {
	value string
	seq   uint64
}

func newShared(o Options) (*shared, error) {
	recent, err := otter.New(&otter.Options[string, mark]{
		MaximumSize:      recentSize,
		ExpiryCalculator: otter.ExpiryWriting[string, mark](recentMemory),
	})
	if err != nil {
		return nil, err
	}
	return &shared{conn: o.Conn, prefix: o.KeyPrefix, log: o.Logger, recent: recent,
		fills: cachetier.NewQueue(fillQueueSize), lostTimezones: map[int64]struct{}{}, stop: make(chan struct{})}, nil
}

func (s *shared) lookupsKey() string { return s.prefix + "board_version:lookups" }

func (s *shared) versionKey(id int64) string {
	return s.prefix + "board_version:" + strconv.FormatInt(id, 10)
}

func (s *shared) timezoneKey(id int64) string {
	return s.prefix + "residence_timezone:" + strconv.FormatInt(id, 10)
}

// isVersion tells the keys of a read apart: the lookups version first, then each residence's version and
// timezone.
func isVersion(i int) bool { return i == 0 || i%2 == 1 }

func (s *shared) read(ctx context.Context, ids []int64) (Stamp, error) {
	if s.dirty() {
		if err := s.recover(ctx); err != nil {
			return Stamp{}, err
		}
	}
	keys := make([]string, 0, 1+2*len(ids))
	keys = append(keys, s.lookupsKey())
	for _, id := range ids {
		keys = append(keys, s.versionKey(id), s.timezoneKey(id))
	}
	res, err := s.conn.DoMultiCache(ctx, copyTTL, func(b valkey.Builder) []valkey.Cacheable {
		cmds := make([]valkey.Cacheable, len(keys))
		for i, k := range keys {
			cmds[i] = b.Get().Key(k).Cache()
		}
		return cmds
	})
	if err != nil {
		return Stamp{}, err
	}
	vals := make([]string, len(keys)) // "" for an absent key: no version or timezone is empty
	var again []int                   // keys to read past the client-side copy
	for i, r := range res {
		v, err := r.ToString()
		if err != nil && !valkey.IsValkeyNil(err) {
			return Stamp{}, err
		}
		vals[i] = v
		if m, ok := s.recent.GetIfPresent(keys[i]); ok {
			if v != m.value {
				again = append(again, i) // this process wrote (or saw) another value: its copy may be stale
				continue
			}
			s.trust(keys[i], m)
		}
		if v == "" && isVersion(i) {
			again = append(again, i) // fill it before the statement
		}
	}
	if len(again) > 0 {
		if err := s.readAgain(ctx, keys, vals, again); err != nil {
			return Stamp{}, err
		}
	}
	st := Stamp{Lookups: vals[0], Residences: make([]Residence, len(ids))}
	for j, id := range ids {
		st.Residences[j] = Residence{ID: id, Version: vals[1+2*j], Timezone: vals[2+2*j]}
	}
	return st, nil
}

// readAgain reads the keys at again past the client-side copy, in one round trip, filling each missing
// version with a fresh one (SET NX GET: the value stored first wins), and stores what it read in vals.
func (s *shared) readAgain(ctx context.Context, keys, vals []string, again []int) error {
	since := s.seq.Load()
	fresh := make([]string, len(again))
	res, err := s.conn.DoMulti(ctx, func(b valkey.Builder) []valkey.Completed {
		cmds := make([]valkey.Completed, len(again))
		for n, i := range again {
			if isVersion(i) {
				fresh[n] = newVersion()
				cmds[n] = b.Set().Key(keys[i]).Value(fresh[n]).Nx().Get().Ex(versionTTL).Build()
			} else {
				cmds[n] = b.Get().Key(keys[i]).Build()
			}
		}
		return cmds
	})
	if res == nil {
		return err
	}
	for n, i := range again {
		v, err := res[n].ToString()
		switch {
		case valkey.IsValkeyNil(err):
			if isVersion(i) {
				v = fresh[n] // it was absent, and is now ours
			}
		case err != nil:
			return err
		}
		vals[i] = v
		s.observed(keys[i], v, since)
	}
	return nil
}

// remember records a value this process has just written (Valkey replied).
func (s *shared) remember(key, value string) { s.recent.Set(key, mark{value, s.seq.Add(1)}) }

// observed records a value read past the client-side copy by a read that began at sequence since, unless
// this process wrote the key after that.
func (s *shared) observed(key, value string, since uint64) {
	s.recent.Compute(key, func(old mark, found bool) (mark, otter.ComputeOp) {
		if found && old.seq > since {
			return old, otter.CancelOp
		}
		return mark{value, s.seq.Add(1)}, otter.WriteOp
	})
}

// trust forgets m once the client-side copy shows its value: the copy has caught up.
func (s *shared) trust(key string, m mark) {
	s.recent.Compute(key, func(old mark, found bool) (mark, otter.ComputeOp) {
		if found && old.seq == m.seq {
			return old, otter.InvalidateOp
		}
		return old, otter.CancelOp
	})
}

func (s *shared) bump(ctx context.Context, ids []int64) error {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.versionKey(id)
	}
	return s.set(ctx, keys, nil)
}

func (s *shared) bumpLookups(ctx context.Context) error {
	return s.set(ctx, []string{s.lookupsKey()}, nil)
}

func (s *shared) setTimezone(ctx context.Context, id int64, tz string) error {
	err := s.set(ctx, []string{s.versionKey(id)}, map[string]string{s.timezoneKey(id): tz})
	if err != nil {
		s.mu.Lock()
		if len(s.lostTimezones) < lostTimezonesMax {
			s.lostTimezones[id] = struct{}{}
		}
		s.mu.Unlock()
	}
	return err
}

// set gives each key of versions a fresh version and each key of timezones its value, in one round trip.
// On failure the store turns dirty (see the package doc).
func (s *shared) set(ctx context.Context, versions []string, timezones map[string]string) error {
	written := make(map[string]string, len(versions)+len(timezones))
	for _, k := range versions {
		written[k] = newVersion()
	}
	res, err := s.conn.DoMulti(ctx, func(b valkey.Builder) []valkey.Completed {
		cmds := make([]valkey.Completed, 0, len(written))
		for _, k := range versions {
			cmds = append(cmds, b.Set().Key(k).Value(written[k]).Ex(versionTTL).Build())
		}
		for k, tz := range timezones {
			written[k] = tz
			cmds = append(cmds, b.Set().Key(k).Value(tz).Ex(timezoneTTL).Build())
		}
		return cmds
	})
	if err == nil {
		for _, r := range res {
			if err = r.Error(); err != nil {
				break
			}
		}
	}
	if err != nil {
		s.failed()
		return err
	}
	for k, v := range written {
		s.remember(k, v)
	}
	return nil
}

func (s *shared) fillTimezones(st Stamp, tz map[int64]string) {
	for _, r := range st.Residences {
		zone, ok := tz[r.ID]
		if r.Timezone != "" || !ok || zone == "" {
			continue
		}
		key := s.timezoneKey(r.ID)
		// NX: a residence update that raced this read wrote the new timezone unconditionally, and must win.
		s.fills.Go(func(ctx context.Context) {
			s.conn.Do(valkeyconn.Background(ctx), func(b valkey.Builder) valkey.Completed {
				return b.Set().Key(key).Value(zone).Nx().Ex(timezoneTTL).Build()
			})
		})
	}
}

// dirty reports whether a write may have missed Valkey since the last recovery.
func (s *shared) dirty() bool { return s.failures.Load() != s.recovered.Load() }

// failed records a write that may have missed Valkey and starts the background retry.
func (s *shared) failed() {
	s.failures.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retrying || s.closed {
		return
	}
	s.retrying = true
	s.wg.Go(s.retry)
}

// retry recovers every RetryInterval until the store is clean or closed.
func (s *shared) retry() {
	t := time.NewTicker(RetryInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if s.dirty() {
			_ = s.recover(valkeyconn.Background(context.Background()))
		}
		s.mu.Lock()
		if !s.dirty() {
			s.retrying = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

// recover bumps the lookups version, which every ETag includes, so the bumps that may have been lost no
// longer matter; and deletes the timezones that could not be written, so they are read from PostgreSQL.
func (s *shared) recover(ctx context.Context) error {
	seen := s.failures.Load()
	s.mu.Lock()
	lost := make([]int64, 0, len(s.lostTimezones))
	for id := range s.lostTimezones {
		lost = append(lost, id)
	}
	s.mu.Unlock()
	version := newVersion()
	res, err := s.conn.DoMulti(ctx, func(b valkey.Builder) []valkey.Completed {
		cmds := []valkey.Completed{b.Set().Key(s.lookupsKey()).Value(version).Ex(versionTTL).Build()}
		for _, id := range lost {
			cmds = append(cmds, b.Del().Key(s.timezoneKey(id)).Build())
		}
		return cmds
	})
	if err == nil {
		for _, r := range res {
			if err = r.Error(); err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	s.remember(s.lookupsKey(), version)
	s.mu.Lock()
	for _, id := range lost {
		delete(s.lostTimezones, id)
		s.remember(s.timezoneKey(id), "")
	}
	s.mu.Unlock()
	for {
		cur := s.recovered.Load()
		if seen <= cur || s.recovered.CompareAndSwap(cur, seen) {
			break
		}
	}
	s.log.Info("board versions recovered: every board's ETag changed once")
	return nil
}

func (s *shared) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.stop)
	s.mu.Unlock()
	s.wg.Wait()
	s.fills.Close()
	s.recent.StopAllGoroutines()
}
