package tasks

import (
	"math"
	"reflect"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/homekeep/homekeep/internal/gen/oas"
)

// builtBoardIdle drops a built board nobody has asked for in this long: a version bump or a new day leaves
// the old key unused, and its memory should not wait for the cache to fill up.
const builtBoardIdle = time.Hour

// boardCache keeps built boards under their view key (boardView.keyFor), so an unconditional request for a
// board whose residences have not changed is answered with no SQL. The key holds only what the board shows
// (residences, their versions and local dates, the threshold, the filter), not who asked, so the members of
// a household share one copy. The boards are read-only once cached: ogen encodes them for every response.
// A nil *boardCache keeps nothing.
type boardCache struct {
	c *otter.Cache[string, *oas.Board]
}

// newBoardCache returns a cache of at most about size bytes of boards; nil when size is not positive.
func newBoardCache(size int64) *boardCache {
	if size <= 0 {
		return nil
	}
	return &boardCache{c: otter.Must(&otter.Options[string, *oas.Board]{
		MaximumWeight:    uint64(size),
		Weigher:          boardWeight,
		ExpiryCalculator: otter.ExpiryAccessing[string, *oas.Board](builtBoardIdle),
	})}
}

func (c *boardCache) get(key string) (*oas.Board, bool) {
	if c == nil || key == "" {
		return nil, false
	}
	return c.c.GetIfPresent(key)
}

func (c *boardCache) put(key string, b *oas.Board) {
	if c != nil && key != "" {
		c.c.Set(key, b)
	}
}

var (
	boardSize  = int(reflect.TypeFor[oas.Board]().Size())
	columnSize = int(reflect.TypeFor[oas.BoardColumn]().Size())
	cardSize   = int(reflect.TypeFor[oas.Task]().Size())
)

// boardWeight estimates the bytes a cached board holds: its structs and the strings its cards carry.
func boardWeight(key string, b *oas.Board) uint32 {
	n := len(key) + boardSize + len(b.Columns)*columnSize
	for _, c := range b.Columns {
		for i := range c.Tasks {
			t := &c.Tasks[i]
			n += cardSize + len(t.Title) + len(t.Description) + len(t.CategoryName.Value) +
				len(t.PriorityName.Value) + len(t.FrequencyName.Value) + len(t.AssigneeName.Value) +
				len(t.ContractorName.Value)
		}
	}
	return uint32(min(n, math.MaxUint32)) //nolint:gosec // G115: clamped above
}
