package adminweb_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestUsersPages: an admin finds a user by email, sees them, sets a tier (a bad date is shown next to its
// field), deactivates them (their app token stops working; a flash says so, once) and deletes them through
// the confirmation page; a viewer sees no action and is refused when it posts anyway.
func TestUsersPages(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	user := inst.Register(t)
	inst.Register(t)
	userPath := "/admin/users/" + strconv.FormatInt(user.ID, 10)

	t.Run("ViewerReadsButCannotChange", func(t *testing.T) {
		b := newBrowser(t, inst)
		csrf := b.signIn(inst.SignInAdmin(t, "viewer"))
		page := b.do(http.MethodGet, userPath, nil, nil)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, page.body, user.Email)
		require.NotContains(t, page.body, "Deactivate", "no write buttons for a viewer")
		r := b.do(http.MethodPost, userPath+"/deactivate", url.Values{"csrf_token": {csrf}}, nil)
		require.Equal(t, http.StatusForbidden, r.status)
		require.Equal(t, http.StatusOK, apptest.Me(t, inst, user.Token).Status, "the user is untouched")
	})

	b := newBrowser(t, inst)
	csrf := b.signIn(inst.SignInAdmin(t, "admin"))

	t.Run("SearchFindsByEmail", func(t *testing.T) {
		list := b.do(http.MethodGet, "/admin/users?q="+url.QueryEscape(user.Email), nil, nil)
		require.Equal(t, http.StatusOK, list.status)
		require.Contains(t, list.body, `href="`+userPath+`"`)
		require.Contains(t, list.body, "1 in all")
		all := b.do(http.MethodGet, "/admin/users", nil, nil)
		require.Contains(t, all.body, "2 in all")
	})
	t.Run("TierWithABadDateShowsTheField", func(t *testing.T) {
		r := b.do(http.MethodPost, userPath+"/tier", url.Values{"csrf_token": {csrf}, "tier": {"pro"}, "until": {"next week"}}, nil)
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, r.body, `<span class="field-error" role="alert">must be a date (YYYY-MM-DD)</span>`)
		r = b.do(http.MethodPost, userPath+"/tier", url.Values{"csrf_token": {csrf}, "tier": {"gold"}}, nil)
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, r.body, "must be one of free, pro")
		r = b.do(http.MethodPost, userPath+"/tier", url.Values{"csrf_token": {csrf}, "tier": {"pro"}, "until": {"2030-01-31"}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		page := b.do(http.MethodGet, userPath, nil, nil)
		require.Contains(t, page.body, "Tier set to pro.")
		require.Contains(t, page.body, "until 2030-01-31")
		again := b.do(http.MethodGet, userPath, nil, nil)
		require.NotContains(t, again.body, "Tier set to pro.", "a flash shows once")
	})
	t.Run("DeactivateSignsTheUserOut", func(t *testing.T) {
		r := b.do(http.MethodPost, userPath+"/deactivate", url.Values{"csrf_token": {csrf}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, userPath, r.header.Get("Location"))
		require.Equal(t, http.StatusUnauthorized, apptest.Me(t, inst, user.Token).Status)
		page := b.do(http.MethodGet, userPath, nil, nil)
		require.Contains(t, page.body, "User deactivated")
		require.Contains(t, page.body, "Reactivate")
	})
	t.Run("DeleteGoesThroughConfirmation", func(t *testing.T) {
		confirm := b.do(http.MethodGet, userPath+"/delete", nil, nil)
		require.Equal(t, http.StatusOK, confirm.status)
		require.Contains(t, confirm.body, `action="`+userPath+`/delete"`)
		r := b.do(http.MethodPost, userPath+"/delete", url.Values{"csrf_token": {formToken(t, confirm.body)}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, "/admin/users", r.header.Get("Location"))
		require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, userPath, nil, nil).status)
		require.Contains(t, b.do(http.MethodGet, "/admin/users", nil, nil).body, "1 in all")
	})
}
