package adminweb_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestTasksPages: an admin finds tasks by title and residence, sets a task in progress with the checkbox's
// plain form post (back to the list with a flash) and clears it with an htmx post (answered with the task's
// row, not a redirect), each seen by the household through the app API; deletes a task through the
// confirmation page; a viewer sees a disabled checkbox and is refused when it posts anyway.
func TestTasksPages(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	h := apptest.NewHousehold(t, inst)
	taskID := apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Bleed the radiators"})
	otherID := apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Oil the hinges"})
	elsewhere := apptest.CreateResidence(t, inst, h.Stranger, "Elsewhere")
	apptest.CreateTask(t, inst, h.Stranger, map[string]any{"residence_id": elsewhere, "title": "Bleed the brakes"})
	listPath := fmt.Sprintf("/admin/tasks?residence_id=%d", h.ResidenceID)
	toggle := fmt.Sprintf("/admin/tasks/%d/in-progress", taskID)

	t.Run("ViewerSeesADisabledCheckboxAndIsRefused", func(t *testing.T) {
		b := newBrowser(t, inst)
		csrf := b.signIn(inst.SignInAdmin(t, "viewer"))
		list := b.do(http.MethodGet, listPath, nil, nil)
		require.Equal(t, http.StatusOK, list.status)
		require.Contains(t, list.body, "Bleed the radiators")
		require.Contains(t, list.body, `<input type="checkbox" disabled>`)
		require.NotContains(t, list.body, `action="`+toggle+`"`, "no form for a viewer")
		require.NotContains(t, list.body, "hx-post", "no htmx post for a viewer")
		for name, try := range map[string]struct {
			form   url.Values
			header map[string]string
		}{
			"PlainPost": {form: url.Values{"csrf_token": {csrf}, "in_progress": {"true"}}},
			"HtmxPost":  {form: url.Values{"in_progress": {"true"}}, header: map[string]string{"X-CSRF-Token": csrf, "HX-Request": "true"}},
		} {
			r := b.do(http.MethodPost, toggle, try.form, try.header)
			require.Equal(t, http.StatusForbidden, r.status, name)
			require.Equal(t, try.header["HX-Request"] == "true", r.header.Get("HX-Refresh") == "true",
				"%s: htmx is told to reload the page, a plain post is not", name)
		}
		task := b.do(http.MethodGet, fmt.Sprintf("/admin/tasks/%d", taskID), nil, nil)
		require.Equal(t, http.StatusOK, task.status)
		require.NotContains(t, task.body, "/delete", "no delete link for a viewer")
		require.False(t, apptest.GetTask(t, inst, h.Owner, taskID).InProgress, "the task is untouched")
	})

	b := newBrowser(t, inst)
	csrf := b.signIn(inst.SignInAdmin(t, "admin"))

	t.Run("SearchAndResidenceFilter", func(t *testing.T) {
		all := b.do(http.MethodGet, "/admin/tasks", nil, nil)
		require.Equal(t, http.StatusOK, all.status)
		require.Contains(t, all.body, "3 in all")
		bleed := b.do(http.MethodGet, "/admin/tasks?q=bleed", nil, nil)
		require.Contains(t, bleed.body, "2 in all")
		require.NotContains(t, bleed.body, "Oil the hinges")
		mine := b.do(http.MethodGet, listPath+"&q=bleed", nil, nil)
		require.Contains(t, mine.body, "1 in all")
		require.Contains(t, mine.body, "Bleed the radiators")
		require.NotContains(t, mine.body, "Bleed the brakes")
		require.Contains(t, mine.body, `Tasks of <a href="/admin/residences/`)
		bad := b.do(http.MethodGet, "/admin/tasks?residence_id=abc", nil, nil)
		require.Equal(t, http.StatusBadRequest, bad.status)
		require.Contains(t, bad.body, "residence_id")
	})
	t.Run("PlainPostSetsInProgress", func(t *testing.T) {
		list := b.do(http.MethodGet, listPath, nil, nil)
		back := listBack(t, list.body, taskID)
		require.Equal(t, listPath, back, "the form returns to the list with its filters")
		r := b.do(http.MethodPost, toggle, url.Values{"csrf_token": {csrf}, "in_progress": {"true"}, "back": {back}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, listPath, r.header.Get("Location"))
		require.True(t, apptest.GetTask(t, inst, h.Owner, taskID).InProgress, "the app sees the task in progress")
		col, card := apptest.FindCard(apptest.ResidenceBoard(t, inst, h.Editor, h.ResidenceID), taskID)
		require.True(t, card.InProgress)
		require.Equal(t, "in_progress", col, "the board moved it")
		require.False(t, apptest.GetTask(t, inst, h.Owner, otherID).InProgress, "only that task")
		page := b.do(http.MethodGet, listPath, nil, nil)
		require.Contains(t, page.body, "In progress: Bleed the radiators.", "the flash")
		require.Contains(t, page.body, `name="in_progress" value="true" checked>`)
	})
	t.Run("HtmxPostAnswersTheRow", func(t *testing.T) {
		// The checkbox is cleared: an unchecked box is not sent, and the header carries the token.
		r := b.do(http.MethodPost, toggle, url.Values{"back": {listPath}},
			map[string]string{"X-CSRF-Token": csrf, "HX-Request": "true"})
		require.Equal(t, http.StatusOK, r.status, r.body)
		body := strings.TrimSpace(r.body)
		require.True(t, strings.HasPrefix(body, fmt.Sprintf(`<tr id="task-%d">`, taskID)), "a row to swap in, not a page:\n%s", body)
		require.NotContains(t, body, "<html")
		require.Contains(t, body, `<span class="saved" role="status">Not in progress: Bleed the radiators.</span>`)
		require.Contains(t, body, `name="in_progress" value="true">`, "unchecked")
		require.Contains(t, body, `value="`+csrf+`"`, "the row's form still carries the token")
		require.False(t, apptest.GetTask(t, inst, h.Owner, taskID).InProgress, "the app sees the change")
		col, _ := apptest.FindCard(apptest.ResidenceBoard(t, inst, h.Owner, h.ResidenceID), taskID)
		require.NotEqual(t, "in_progress", col)
	})
	t.Run("PostWithoutTokenIsRefused", func(t *testing.T) {
		r := b.do(http.MethodPost, toggle, url.Values{"in_progress": {"true"}}, map[string]string{"HX-Request": "true"})
		require.Equal(t, http.StatusForbidden, r.status)
		require.False(t, apptest.GetTask(t, inst, h.Owner, taskID).InProgress)
	})
	t.Run("BadValueIsRefused", func(t *testing.T) {
		r := b.do(http.MethodPost, toggle, url.Values{"csrf_token": {csrf}, "in_progress": {"maybe"}}, nil)
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, r.body, "in_progress")
		missing := b.do(http.MethodPost, "/admin/tasks/999999999/in-progress", url.Values{"csrf_token": {csrf}, "in_progress": {"true"}}, nil)
		require.Equal(t, http.StatusNotFound, missing.status)
		require.Empty(t, missing.header.Get("HX-Refresh"), "a plain post shows the error page")
		// htmx swaps in no error answer, so it is told to reload the page and show the task as it is.
		htmx := b.do(http.MethodPost, "/admin/tasks/999999999/in-progress", url.Values{"in_progress": {"true"}},
			map[string]string{"X-CSRF-Token": csrf, "HX-Request": "true"})
		require.Equal(t, http.StatusNotFound, htmx.status)
		require.Equal(t, "true", htmx.header.Get("HX-Refresh"))
	})
	t.Run("DeleteGoesThroughConfirmation", func(t *testing.T) {
		path := fmt.Sprintf("/admin/tasks/%d", otherID)
		confirm := b.do(http.MethodGet, path+"/delete", nil, nil)
		require.Equal(t, http.StatusOK, confirm.status)
		require.Contains(t, confirm.body, `action="`+path+`/delete"`)
		require.Contains(t, confirm.body, "Oil the hinges")
		r := b.do(http.MethodPost, path+"/delete", url.Values{"csrf_token": {formToken(t, confirm.body)}, "back": {listPath}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, listPath, r.header.Get("Location"))
		app := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/tasks/%d", otherID), Token: h.Owner.Token})
		require.Equal(t, http.StatusNotFound, app.Status, "the app no longer has it")
		page := b.do(http.MethodGet, listPath, nil, nil)
		require.Contains(t, page.body, "Task deleted")
		require.Contains(t, page.body, "1 in all")
	})
}

// listBack returns the back field of task id's in-progress form on a tasks page.
func listBack(t *testing.T, body string, id int64) string {
	t.Helper()
	_, form, ok := strings.Cut(body, fmt.Sprintf(`action="/admin/tasks/%d/in-progress"`, id))
	require.True(t, ok, "no in-progress form for task %d:\n%s", id, body)
	_, rest, ok := strings.Cut(form, `name="back" value="`)
	require.True(t, ok)
	v, _, _ := strings.Cut(rest, `"`)
	return strings.ReplaceAll(v, "&amp;", "&")
}
