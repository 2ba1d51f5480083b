package tasks

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/homekeep/homekeep/internal/boardversion"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// boardVersionFormat names what a board's version key covers (boardKey). A change to what a board depends on
// beyond its residences' versions, their local dates, the threshold and the filter must change it.
const boardVersionFormat = "homekeep board versions 1"

// boardView is what a board's ETag is computed from when its residences' versions are known: everything is
// read before the board's statement runs, so a board tagged or cached under it can only be older than the
// versions, never newer (a write bumps after its commit).
type boardView struct {
	ids   []int64 // the residences the board covers, ascending
	stamp boardversion.Stamp
	now   time.Time
	// dates is each residence's local date (yyyymmdd) at now, 0 while its timezone is unknown.
	dates []int32
	// key identifies the board's content; "" while a date is unknown.
	key string
}

// readView reads the versions of the residences a board covers: ids, or every residence of the caller
// when ids is nil (from the residence-access cache). Warm, it costs nothing: no SQL and no Valkey round
// trip. It returns false when the versions cannot be known (no version store, Valkey unreachable): the
// board is then tagged from its rows.
//
// A caller whose residence list is not cached (it expires, and a membership change drops it) gets a view
// over the list this process last saw for them, and a coldList: the board statement then reads the list
// beside it, in the same round trip (boardRows), and the view only stands if the list it read is the one
// guessed (confirm). Without a guess (a caller this process has not seen since it started, whose list
// Valkey no longer holds) the board is tagged from its rows: still one round trip, and the client's next
// request downloads the board once more to get the version tag.
func (h *Handler) readView(ctx context.Context, userID int64, ids []int64) (boardView, bool, *coldList) {
	if h.boards == nil {
		return boardView{}, false, nil
	}
	var cold *coldList
	if ids == nil {
		all, ok, fill := h.access.Lookup(ctx, userID)
		switch {
		case ok:
			h.lists.remember(userID, all)
		default:
			cold = &coldList{fill: fill}
			guess, found := h.lists.guess(userID)
			if !found {
				return boardView{}, false, cold
			}
			cold.guess = guess
			all = guess
		}
		ids = all
	}
	if !slices.IsSorted(ids) {
		ids = slices.Sorted(slices.Values(ids))
	}
	st, err := h.boards.Read(ctx, ids)
	if err != nil {
		return boardView{}, false, cold
	}
	v := boardView{ids: ids, stamp: st, now: h.now(), dates: make([]int32, len(ids))}
	zones := make(map[int64]string, len(ids))
	for _, r := range st.Residences {
		zones[r.ID] = r.Timezone
	}
	v.date(zones)
	return v, true, cold
}

// date fills the local dates from zones (residence id → timezone) and, once every one is known, the key.
func (v *boardView) date(zones map[int64]string) {
	complete := true
	for i, id := range v.ids {
		if v.dates[i] == 0 {
			v.dates[i] = localDate(v.now, zones[id])
		}
		complete = complete && v.dates[i] != 0
	}
	if complete {
		v.key = v.buildKey()
	}
}

// missingZones returns the residences whose timezone is unknown.
func (v *boardView) missingZones() []int64 {
	var out []int64
	for i, id := range v.ids {
		if v.dates[i] == 0 {
			out = append(out, id)
		}
	}
	return out
}

// buildKey lays out everything the board's content depends on besides its rows: the formats, the lookups
// version, and each residence with its version and local date. The threshold and the residence filter are
// added by the caller (keyFor). Every field is self-delimiting, so two views cannot give the same bytes.
func (v *boardView) buildKey() string {
	b := make([]byte, 0, 64+len(v.ids)*32)
	b = appendString(b, boardVersionFormat)
	b = appendString(b, boardETagLayout)
	b = appendString(b, v.stamp.Lookups)
	b = binary.AppendUvarint(b, uint64(len(v.ids)))
	for i, r := range v.stamp.Residences {
		b = appendInt64(b, r.ID)
		b = appendString(b, r.Version)
		b = binary.AppendVarint(b, int64(v.dates[i]))
	}
	return string(b)
}

// keyFor is the view's key for one board request, with its due-soon threshold; "" while the view has no key.
// The residence filter is not in it: a residence's own board and the whole board of a caller who has only
// that residence cover the same residences, and show the same cards.
func (v *boardView) keyFor(threshold int32) string {
	if v.key == "" {
		return ""
	}
	return string(binary.AppendVarint([]byte(v.key), int64(threshold)))
}

// shows reports whether rows, read by the statement after the view, are what the view describes: every row
// belongs to one of its residences, and carries the local date the view computed for it. Otherwise (the
// residence-access cache was stale, the statement ran across a local midnight, PostgreSQL's clock or time
// zone rules disagree with this process's) the board must not be tagged or cached under the view's key.
func (v *boardView) shows(rows []*dbsqlc.TaskBoardRow) bool {
	for _, r := range rows {
		i, found := slices.BinarySearch(v.ids, r.ResidenceID)
		if !found {
			return false
		}
		y, m, d := r.Today.Date()
		if dateNumber(y, m, d) != v.dates[i] {
			return false
		}
	}
	return true
}

// versionETag is the ETag of a board from its key: xxhash64 like the row tags, with a "v" so the two kinds
// never meet.
func versionETag(key string) string {
	var sum [8]byte
	binary.BigEndian.PutUint64(sum[:], xxhash.Sum64String(key))
	var tag [3 + 2*8]byte
	tag[0], tag[1], tag[len(tag)-1] = '"', 'v', '"'
	hex.Encode(tag[2:len(tag)-1], sum[:])
	return string(tag[:])
}

// localDate is the date at now in the timezone tz, as yyyymmdd; 0 when tz is unknown or not a timezone
// this process can load.
func localDate(now time.Time, tz string) int32 {
	if tz == "" {
		return 0
	}
	loc, ok := location(tz)
	if !ok {
		return 0
	}
	y, m, d := now.In(loc).Date()
	return dateNumber(y, m, d)
}

func dateNumber(y int, m time.Month, d int) int32 {
	return int32(y*10000 + int(m)*100 + d) //nolint:gosec // G115: a year of time.Time's range fits
}

// locations caches loaded timezones by name: time.LoadLocation reads the zone file every time. The names
// are those residences were saved with (checked by app.CheckTimezone), a few hundred at most.
var locations sync.Map

func location(name string) (*time.Location, bool) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), true
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	locations.Store(name, l)
	return l, true
}
