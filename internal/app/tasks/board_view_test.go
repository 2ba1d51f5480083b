package tasks

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/boardversion"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

func TestLocalDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, instant, tz string
		want              int32
	}{
		{"UTC", "2026-06-01T23:59:59Z", "UTC", 20260601},
		{"AucklandIsAheadOfUTC", "2026-06-01T12:00:00Z", "Pacific/Auckland", 20260602},
		{"NewYorkBeforeLocalMidnight", "2026-06-01T03:59:59Z", "America/New_York", 20260531},
		{"NewYorkAtLocalMidnight", "2026-06-01T04:00:00Z", "America/New_York", 20260601},
		{"KathmanduQuarterHourOffset", "2026-06-01T18:14:59Z", "Asia/Kathmandu", 20260601},
		{"KathmanduAfterItsMidnight", "2026-06-01T18:15:00Z", "Asia/Kathmandu", 20260602},
		// Spring forward (02:00 → 03:00 on 2026-03-08): the local date does not jump.
		{"NewYorkDSTStart", "2026-03-08T07:30:00Z", "America/New_York", 20260308},
		// Fall back (02:00 → 01:00 on 2026-11-01): the repeated hour is the same date.
		{"NewYorkDSTEndRepeatedHour", "2026-11-01T06:30:00Z", "America/New_York", 20261101},
		{"UnknownTimezone", "2026-06-01T12:00:00Z", "Mars/Olympus_Mons", 0},
		{"NoTimezone", "2026-06-01T12:00:00Z", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			at, err := time.Parse(time.RFC3339, tt.instant)
			require.NoError(t, err)
			require.Equal(t, tt.want, localDate(at, tt.tz), "%s in %s", tt.instant, tt.tz)
		})
	}
}

func TestBoardView(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) // June 2 in Auckland
	view := func(zones map[int64]string) boardView {
		v := boardView{ids: []int64{1, 2}, now: now, dates: make([]int32, 2), stamp: boardversion.Stamp{
			Lookups: "L", Residences: []boardversion.Residence{{ID: 1, Version: "a"}, {ID: 2, Version: "b"}}}}
		v.date(zones)
		return v
	}
	row := func(residence int64, today string) *dbsqlc.TaskBoardRow {
		d, err := time.Parse(time.DateOnly, today)
		require.NoError(t, err)
		return &dbsqlc.TaskBoardRow{ResidenceID: residence, Today: d}
	}

	t.Run("NoKeyWhileATimezoneIsUnknown", func(t *testing.T) {
		t.Parallel()
		v := view(map[int64]string{1: "UTC"})
		require.Empty(t, v.keyFor(30))
		require.Equal(t, []int64{2}, v.missingZones())
		v.date(map[int64]string{2: "Pacific/Auckland"})
		require.NotEmpty(t, v.keyFor(30), "known once the missing timezone is read")
		whole := view(map[int64]string{1: "UTC", 2: "Pacific/Auckland"})
		require.Equal(t, whole.keyFor(30), v.keyFor(30))
	})

	t.Run("KeyCoversVersionsDatesAndThreshold", func(t *testing.T) {
		t.Parallel()
		base := view(map[int64]string{1: "UTC", 2: "Pacific/Auckland"})
		require.NotEqual(t, base.keyFor(30), base.keyFor(29), "threshold")
		other := view(map[int64]string{1: "UTC", 2: "UTC"})
		require.NotEqual(t, base.keyFor(30), other.keyFor(30), "a residence's local date")
		bumped := base
		bumped.stamp.Residences = []boardversion.Residence{{ID: 1, Version: "a"}, {ID: 2, Version: "c"}}
		bumped.key = bumped.buildKey()
		require.NotEqual(t, base.keyFor(30), bumped.keyFor(30), "a residence's version")
		lookups := base
		lookups.stamp.Lookups = "M"
		lookups.key = lookups.buildKey()
		require.NotEqual(t, base.keyFor(30), lookups.keyFor(30), "the lookups version")
		require.NotEqual(t, versionETag(base.keyFor(30)), versionETag(bumped.keyFor(30)))
	})

	t.Run("ShowsOnlyRowsOfItsResidencesAndDates", func(t *testing.T) {
		t.Parallel()
		v := view(map[int64]string{1: "UTC", 2: "Pacific/Auckland"})
		require.True(t, v.shows(nil), "no rows: nothing contradicts the view")
		require.True(t, v.shows([]*dbsqlc.TaskBoardRow{row(1, "2026-06-01"), row(2, "2026-06-02")}))
		require.False(t, v.shows([]*dbsqlc.TaskBoardRow{row(2, "2026-06-01")}),
			"PostgreSQL's today differs from the date the key stands for")
		require.False(t, v.shows([]*dbsqlc.TaskBoardRow{row(3, "2026-06-01")}),
			"a residence the cached list does not have")
	})
}
