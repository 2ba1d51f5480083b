package boardversion

import (
	"context"
	"time"

	"github.com/maypok86/otter/v2"
)

// localSize bounds the residences whose versions a process keeps without Valkey; an evicted one gets a new
// version at its next read, which costs its boards one statement.
const localSize = 100_000

// local keeps the versions in process: the same rules as in Valkey, with invalidation reaching only this
// process. Entries expire after the local TTL, which bounds what another process's change can hide. The
// lookups version is the entry of residence 0 (residence ids start at 1).
type local struct {
	entries *otter.Cache[int64, localEntry]
}

// lookupsID is the entry of the lookups version.
const lookupsID = 0

type localEntry struct {
	version, tz string
}

func newLocal(ttl time.Duration) (*local, error) {
	entries, err := otter.New(&otter.Options[int64, localEntry]{
		MaximumSize:      localSize,
		ExpiryCalculator: otter.ExpiryWriting[int64, localEntry](ttl),
	})
	if err != nil {
		return nil, err
	}
	return &local{entries: entries}, nil
}

func (l *local) read(_ context.Context, ids []int64) (Stamp, error) {
	st := Stamp{Lookups: l.entry(lookupsID).version, Residences: make([]Residence, len(ids))}
	for i, id := range ids {
		e := l.entry(id)
		st.Residences[i] = Residence{ID: id, Version: e.version, Timezone: e.tz}
	}
	return st, nil
}

// entry returns id's entry, creating a missing one atomically, as SET NX GET does in Valkey.
func (l *local) entry(id int64) localEntry {
	e, _ := l.entries.Compute(id, func(old localEntry, found bool) (localEntry, otter.ComputeOp) {
		if found {
			return old, otter.CancelOp
		}
		return localEntry{version: newVersion()}, otter.WriteOp
	})
	return e
}

func (l *local) bump(_ context.Context, ids []int64) error {
	for _, id := range ids {
		l.entries.Compute(id, func(old localEntry, _ bool) (localEntry, otter.ComputeOp) {
			return localEntry{version: newVersion(), tz: old.tz}, otter.WriteOp
		})
	}
	return nil
}

func (l *local) bumpLookups(ctx context.Context) error { return l.bump(ctx, []int64{lookupsID}) }

func (l *local) setTimezone(_ context.Context, id int64, tz string) error {
	l.entries.Set(id, localEntry{version: newVersion(), tz: tz})
	return nil
}

// fillTimezones stores each timezone only while the residence still has the version st read and no
// timezone: a SetTimezone since then wins.
func (l *local) fillTimezones(st Stamp, tz map[int64]string) {
	for _, r := range st.Residences {
		zone, ok := tz[r.ID]
		if r.Timezone != "" || !ok || zone == "" {
			continue
		}
		l.entries.Compute(r.ID, func(old localEntry, found bool) (localEntry, otter.ComputeOp) {
			if !found || old.version != r.Version || old.tz != "" {
				return old, otter.CancelOp
			}
			return localEntry{version: old.version, tz: zone}, otter.WriteOp
		})
	}
}

func (l *local) close() { l.entries.StopAllGoroutines() }
