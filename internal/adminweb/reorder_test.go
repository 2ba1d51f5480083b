package adminweb

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMoveIDSwapsWithItsNeighbour(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		id     int64
		up     bool
		want   []int64
		wantOK bool
	}{
		{"UpFromTheMiddle", 2, true, []int64{2, 1, 3}, true},
		{"DownFromTheMiddle", 2, false, []int64{1, 3, 2}, true},
		{"FirstCannotGoUp", 1, true, []int64{1, 2, 3}, false},
		{"LastCannotGoDown", 3, false, []int64{1, 2, 3}, false},
		{"UnknownStays", 9, true, []int64{1, 2, 3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ids := []int64{1, 2, 3}
			got, ok := moveID(ids, tc.id, tc.up)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.wantOK, ok)
			require.Equal(t, []int64{1, 2, 3}, ids, "the input is not changed")
		})
	}
}
