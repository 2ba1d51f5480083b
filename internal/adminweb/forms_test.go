package adminweb

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPagerKeepsFiltersAndDropsTheOldCursor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name              string
		q                 url.Values
		cursor, next      string
		wantFirst, wantNx string
	}{
		{"FirstPageWithMore", url.Values{"q": {"ann"}}, "", "c2", "", "/admin/users?cursor=c2&q=ann"},
		{"MiddlePage", url.Values{"q": {"ann"}, "cursor": {"c2"}}, "c2", "c3", "/admin/users?q=ann", "/admin/users?cursor=c3&q=ann"},
		{"LastPage", url.Values{"cursor": {"c3"}, "active": {""}}, "c3", "", "/admin/users", ""},
		{"OnlyPage", url.Values{}, "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pg := newPager("/admin/users", tc.q, 7, tc.cursor, tc.next)
			require.Equal(t, int64(7), pg.Total)
			require.Equal(t, tc.wantFirst, pg.First)
			require.Equal(t, tc.wantNx, pg.Next)
		})
	}
}
