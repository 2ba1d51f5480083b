package adminweb_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestResidencesPages: an admin finds a residence by name, sees its members (linked to their user pages)
// with their roles, its live share code and its counts, follows the link to its tasks, and deletes it through the confirmation
// page (the admin API and its members then get 404); a viewer sees no delete and is refused when it posts.
func TestResidencesPages(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	h := apptest.NewHousehold(t, inst)
	taskID := apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Sweep the chimney"})
	apptest.CompleteTask(t, inst, h.Owner, taskID, nil)
	apptest.CreateResidence(t, inst, h.Stranger, "Another place")
	code := apptest.ShareCode(t, inst, h.Owner, h.ResidenceID, "editor")
	path := fmt.Sprintf("/admin/residences/%d", h.ResidenceID)

	t.Run("ViewerReadsButCannotDelete", func(t *testing.T) {
		b := newBrowser(t, inst)
		csrf := b.signIn(inst.SignInAdmin(t, "viewer"))
		page := b.do(http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, page.body, h.Owner.Email)
		require.NotContains(t, page.body, path+"/delete", "no delete link for a viewer")
		r := b.do(http.MethodPost, path+"/delete", url.Values{"csrf_token": {csrf}}, nil)
		require.Equal(t, http.StatusForbidden, r.status)
		still := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: h.Path(""), Token: h.Owner.Token})
		require.Equal(t, http.StatusOK, still.Status, "the residence is untouched")
	})

	a := inst.SignInAdmin(t, "admin")
	b := newBrowser(t, inst)
	b.signIn(a)

	t.Run("SearchFindsByName", func(t *testing.T) {
		list := b.do(http.MethodGet, "/admin/residences?q="+url.QueryEscape(h.Name), nil, nil)
		require.Equal(t, http.StatusOK, list.status)
		require.Contains(t, list.body, `href="`+path+`"`)
		require.Contains(t, list.body, "1 in all")
		require.Contains(t, b.do(http.MethodGet, "/admin/residences", nil, nil).body, "2 in all")
		none := b.do(http.MethodGet, "/admin/residences?q=no-such-residence", nil, nil)
		require.Contains(t, none.body, "0 in all")
		require.Contains(t, none.body, "No residence matches.")
	})
	t.Run("ShowsMembersRolesAndCounts", func(t *testing.T) {
		page := b.do(http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, page.body, "<h1>"+h.Name+"</h1>")
		for _, m := range []struct {
			acct apptest.Account
			role string
		}{{h.Owner, "owner"}, {h.Editor, "editor"}, {h.Viewer, "viewer"}} {
			require.Contains(t, page.body, fmt.Sprintf(`<a href="/admin/users/%d">%s</a>`, m.acct.ID, m.acct.Email), m.role)
			require.Regexp(t, m.acct.Email+`</a></td><td>[^<]*</td><td>`+m.role+`</td>`, page.body, "the member's role")
		}
		require.NotContains(t, page.body, h.Stranger.Email, "not a member")
		require.Contains(t, page.body, "<td><code>"+code+"</code></td><td>editor</td>", "the live share code with its role")
		require.Contains(t, page.body, `id="count-tasks">1<`)
		require.Contains(t, page.body, `id="count-completions">1<`)
		require.Contains(t, page.body, `id="count-documents">0<`)
		require.Contains(t, page.body, fmt.Sprintf(`href="/admin/tasks?residence_id=%d"`, h.ResidenceID))
		tasks := b.do(http.MethodGet, fmt.Sprintf("/admin/tasks?residence_id=%d", h.ResidenceID), nil, nil)
		require.Contains(t, tasks.body, "Sweep the chimney")
		require.Contains(t, tasks.body, "1 in all")
	})
	t.Run("UnknownResidenceIsNotFound", func(t *testing.T) {
		require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, "/admin/residences/999999999", nil, nil).status)
		require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, "/admin/residences/abc", nil, nil).status)
	})
	t.Run("DeleteGoesThroughConfirmation", func(t *testing.T) {
		confirm := b.do(http.MethodGet, path+"/delete", nil, nil)
		require.Equal(t, http.StatusOK, confirm.status)
		require.Contains(t, confirm.body, `action="`+path+`/delete"`)
		r := b.do(http.MethodPost, path+"/delete", url.Values{"csrf_token": {formToken(t, confirm.body)}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, "/admin/residences", r.header.Get("Location"))
		list := b.do(http.MethodGet, "/admin/residences", nil, nil)
		require.Contains(t, list.body, "Residence deleted")
		require.Contains(t, list.body, "1 in all")

		api := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/residences/%d", h.ResidenceID), Token: a.Token})
		require.Equal(t, http.StatusNotFound, api.Status, "the admin API no longer has it")
		app := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: h.Path(""), Token: h.Editor.Token})
		require.Equal(t, http.StatusNotFound, app.Status, "its members lose it")
		require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, path, nil, nil).status)
	})
}
