package adminweb_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// apiAdminIDs returns each admin's id by email through the admin API.
func apiAdminIDs(t *testing.T, inst *apptest.Instance, token string) map[string]int64 {
	t.Helper()
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/admins", Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var list struct {
		Items []struct {
			ID    int64  `json:"id"`
			Email string `json:"email"`
		} `json:"items"`
	}
	r.JSON(t, &list)
	ids := map[string]int64{}
	for _, a := range list.Items {
		ids[a.Email] = a.ID
	}
	return ids
}

// TestAdminsPage: every role sees the admin accounts, only an owner gets the actions (anyone else is refused
// when posting anyway); an owner deactivates an admin through the confirmation page (its token stops working)
// and reactivates it the same way; an owner deactivating itself is told why not, on the list.
func TestAdminsPage(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	owner := inst.SignInAdmin(t, "owner")
	other := inst.SignInAdmin(t, "admin")
	ids := apiAdminIDs(t, inst, owner.Token)
	otherPath := "/admin/admins/" + strconv.FormatInt(ids[other.Email], 10)

	t.Run("OnlyOwnersChangeAccounts", func(t *testing.T) {
		b := newBrowser(t, inst)
		csrf := b.signIn(other)
		page := b.do(http.MethodGet, "/admin/admins", nil, nil)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, page.body, owner.Email)
		require.Contains(t, page.body, "Only owners manage admin accounts.")
		require.NotContains(t, page.body, "Deactivate…")
		ownerPath := "/admin/admins/" + strconv.FormatInt(ids[owner.Email], 10)
		r := b.do(http.MethodPost, ownerPath+"/deactivate", url.Values{"csrf_token": {csrf}}, nil)
		require.Equal(t, http.StatusForbidden, r.status)
		me := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: owner.Token})
		require.Equal(t, http.StatusOK, me.Status, "the owner is untouched")
	})

	b := newBrowser(t, inst)
	csrf := b.signIn(owner)

	t.Run("DeactivateAndReactivateThroughConfirmation", func(t *testing.T) {
		page := b.do(http.MethodGet, "/admin/admins", nil, nil)
		require.Contains(t, page.body, `href="`+otherPath+`/deactivate"`)
		confirm := b.do(http.MethodGet, otherPath+"/deactivate", nil, nil)
		require.Equal(t, http.StatusOK, confirm.status)
		require.Contains(t, confirm.body, `action="`+otherPath+`/deactivate"`)
		r := b.do(http.MethodPost, otherPath+"/deactivate", url.Values{"csrf_token": {formToken(t, confirm.body)}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		me := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: other.Token})
		require.Equal(t, http.StatusUnauthorized, me.Status, "the deactivated admin's token is refused")
		page = b.do(http.MethodGet, "/admin/admins", nil, nil)
		require.Equal(t, "Admin deactivated: their sessions have ended.", flashOf(t, page.body))
		require.Contains(t, page.body, `href="`+otherPath+`/reactivate"`)

		confirm = b.do(http.MethodGet, otherPath+"/reactivate", nil, nil)
		require.Contains(t, confirm.body, `action="`+otherPath+`/reactivate"`)
		r = b.do(http.MethodPost, otherPath+"/reactivate", url.Values{"csrf_token": {csrf}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		page = b.do(http.MethodGet, "/admin/admins", nil, nil)
		require.Equal(t, "Admin reactivated.", flashOf(t, page.body))
		require.Contains(t, page.body, `href="`+otherPath+`/deactivate"`)
		audit := b.do(http.MethodGet, "/admin/audit?target_type=admin_user&target_id="+strconv.FormatInt(ids[other.Email], 10)+"&admin="+url.QueryEscape(owner.Email), nil, nil)
		require.Contains(t, audit.body, "2 in all", "deactivate and reactivate are audited")
	})

	t.Run("OwnerCannotDeactivateItself", func(t *testing.T) {
		page := b.do(http.MethodGet, "/admin/admins", nil, nil)
		self := "/admin/admins/" + strconv.FormatInt(ids[owner.Email], 10)
		require.NotContains(t, page.body, `href="`+self+`/deactivate"`, "no link on its own row")
		r := b.do(http.MethodPost, self+"/deactivate", url.Values{"csrf_token": {csrf}}, nil)
		require.Equal(t, http.StatusConflict, r.status, r.body)
		require.Contains(t, r.body, `<p class="error" role="alert">an owner cannot deactivate itself</p>`)
		require.Contains(t, r.body, other.Email, "shown on the list")
	})
}
