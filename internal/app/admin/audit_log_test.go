package admin_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// auditPages reads every page of the audit log for query (without cursor), limit entries at a time.
func auditPages(t *testing.T, inst *apptest.Instance, a apptest.AdminAccount, query url.Values, limit int) (pages []adminoas.AuditPage) {
	t.Helper()
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(limit))
	for range 50 {
		p := adminExpect[adminoas.AuditPage](t, inst, a, http.MethodGet, "/audit-log?"+q.Encode(), nil, http.StatusOK)
		pages = append(pages, p)
		c, ok := p.NextCursor.Get()
		if !ok {
			return pages
		}
		q.Set("cursor", c)
	}
	t.Fatal("the audit log never ended")
	return nil
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	alice, bob := inst.SignInAdmin(t, "owner"), inst.SignInAdmin(t, "admin")
	start := time.Now().Add(-time.Second)
	patch := func(a apptest.AdminAccount, on bool) {
		adminExpect[adminoas.Settings](t, inst, a, http.MethodPatch, "/settings", map[string]any{"limitations_enabled": on}, http.StatusOK)
	}
	patch(alice, true)
	patch(alice, false)
	patch(bob, true)
	patch(alice, false)
	patch(bob, true)

	t.Run("PagesNewestFirstWithTotal", func(t *testing.T) {
		t.Parallel()
		pages := auditPages(t, inst, bob, url.Values{"action": {"settings.update"}}, 2)
		require.Len(t, pages, 3)
		var ids []int64
		var emails []string
		for _, p := range pages {
			require.EqualValues(t, 5, p.Total, "total counts every page")
			for _, e := range p.Items {
				ids = append(ids, e.ID)
				emails = append(emails, e.AdminEmail)
			}
		}
		require.Len(t, ids, 5)
		require.IsDecreasing(t, ids, "newest first, no entry twice")
		require.Equal(t, []string{bob.Email, alice.Email, bob.Email, alice.Email, alice.Email}, emails)
		require.True(t, pages[2].NextCursor.Null, "the last page has no cursor")

		newest := pages[0].Items[0]
		require.Equal(t, "settings", newest.TargetType)
		require.Equal(t, "app", newest.TargetID)
		require.NotEmpty(t, newest.RequestID)
		require.NotEmpty(t, newest.IP)
		before, ok := newest.Before.Get()
		require.True(t, ok, "before is an object")
		after, ok := newest.After.Get()
		require.True(t, ok, "after is an object")
		require.JSONEq(t, "false", string(before["limitations_enabled"]))
		require.JSONEq(t, "true", string(after["limitations_enabled"]))
	})

	t.Run("Filters", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name  string
			query url.Values
			want  int64
		}{
			{"ByAdminEmailAnyCase", url.Values{"admin": {strings.ToUpper(bob.Email)}}, 3}, // a sign-in and two changes
			{"ByAdminAndAction", url.Values{"admin": {alice.Email}, "action": {"settings.update"}}, 3},
			{"ByAction", url.Values{"action": {"admin.sign_in"}}, 2},
			{"ByTarget", url.Values{"target_type": {"settings"}, "target_id": {"app"}}, 5},
			{"ByOtherTarget", url.Values{"target_type": {"settings"}, "target_id": {"other"}}, 0},
			{"Since", url.Values{"since": {start.UTC().Format(time.RFC3339Nano)}, "action": {"settings.update"}}, 5},
			{"Until", url.Values{"until": {start.UTC().Format(time.RFC3339Nano)}, "action": {"settings.update"}}, 0},
		} {
			pages := auditPages(t, inst, bob, tc.query, 50)
			require.Len(t, pages, 1, tc.name)
			require.Equal(t, tc.want, pages[0].Total, tc.name)
			require.Len(t, pages[0].Items, int(tc.want), tc.name)
		}
	})

	t.Run("ABadCursorIsNamed", func(t *testing.T) {
		t.Parallel()
		r := adminDo(t, inst, bob, http.MethodGet, "/audit-log?cursor=nope", nil)
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "cursor")
	})
}
