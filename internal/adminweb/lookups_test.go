package adminweb_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// apiLookup is one row of the admin API's GET /lookups/{kind}, as these tests read it.
type apiLookup struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	DisplayOrder int32  `json:"display_order"`
	Icon         string `json:"icon"`
	Color        string `json:"color"`
	IntervalDays *int32 `json:"interval_days"`
}

// apiLookups returns kind's rows through the admin API, in their order.
func apiLookups(t *testing.T, inst *apptest.Instance, token, kind string) []apiLookup {
	t.Helper()
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/lookups/" + kind, Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var out struct {
		Items []apiLookup `json:"items"`
	}
	r.JSON(t, &out)
	return out.Items
}

func lookupIDs(rows []apiLookup) []int64 {
	ids := make([]int64, 0, len(rows))
	for _, l := range rows {
		ids = append(ids, l.ID)
	}
	return ids
}

// apiLookupNamed returns kind's row called name, or ok false.
func apiLookupNamed(t *testing.T, inst *apptest.Instance, token, kind, name string) (apiLookup, bool) {
	t.Helper()
	for _, l := range apiLookups(t, inst, token, kind) {
		if l.Name == name {
			return l, true
		}
	}
	return apiLookup{}, false
}

// staticData returns the apps' GET /api/static-data and its ETag.
func staticData(t *testing.T, inst *apptest.Instance, token string) (client.StaticData, string) {
	t.Helper()
	r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var data client.StaticData
	r.JSON(t, &data)
	etag := r.Header.Get("ETag")
	require.NotEmpty(t, etag, "static data has an ETag")
	return data, etag
}

func staticCategoryNames(data client.StaticData) []string {
	names := make([]string, 0, len(data.TaskCategories))
	for _, c := range data.TaskCategories {
		names = append(names, c.Name)
	}
	return names
}

// fieldErrorAfter matches the error shown right after the input with id field.
func fieldErrorAfter(field, msg string) *regexp.Regexp {
	return regexp.MustCompile(`id="` + regexp.QuoteMeta(field) + `"[^>]*>\s*<span class="field-error" role="alert">` +
		regexp.QuoteMeta(msg))
}

// TestLookupsPages: the tabs list every kind but task statuses; a viewer reads without write buttons and is
// refused; an admin adds a category (the apps' static data shows it with a new ETag), edits rows, sees refused
// fields next to them, deletes a row in use by moving its uses, and reorders priorities with the buttons.
func TestLookupsPages(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "admin")
	user := inst.Register(t)

	t.Run("TabsForEveryKindButStatuses", func(t *testing.T) {
		b := newBrowser(t, inst)
		b.signIn(inst.SignInAdmin(t, "viewer"))
		page := b.do(http.MethodGet, "/admin/lookups", nil, nil)
		require.Equal(t, http.StatusOK, page.status)
		for _, kind := range []string{"residence_types", "task_categories", "task_priorities", "task_frequencies", "contractor_specialties"} {
			require.Contains(t, page.body, `href="/admin/lookups/`+kind+`"`)
		}
		require.NotContains(t, page.body, "task_statuses")
		require.Contains(t, page.body, `<a href="/admin/lookups/residence_types" aria-current="page">`, "the first tab by default")
		byQuery := b.do(http.MethodGet, "/admin/lookups?kind=task_frequencies", nil, nil)
		require.Contains(t, byQuery.body, `<a href="/admin/lookups/task_frequencies" aria-current="page">`)
		require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, "/admin/lookups/task_statuses", nil, nil).status)
	})

	t.Run("ViewerReadsButCannotChange", func(t *testing.T) {
		b := newBrowser(t, inst)
		csrf := b.signIn(inst.SignInAdmin(t, "viewer"))
		_, etag := staticData(t, inst, user.Token)
		priorities := apiLookups(t, inst, admin.Token, "task_priorities")
		page := b.do(http.MethodGet, "/admin/lookups/task_priorities", nil, nil)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, page.body, priorities[0].Name)
		for _, write := range []string{"Move up", "Add a", "Delete", `name="name"`} {
			require.NotContains(t, page.body, write, "no write controls for a viewer")
		}
		for name, post := range map[string]struct {
			path string
			form url.Values
		}{
			"Create": {"/admin/lookups/task_priorities", url.Values{"name": {"Whenever"}, "level": {"0"}}},
			"Move":   {fmt.Sprintf("/admin/lookups/task_priorities/%d/move", priorities[1].ID), url.Values{"direction": {"up"}}},
			"Delete": {fmt.Sprintf("/admin/lookups/task_priorities/%d/delete", priorities[1].ID), url.Values{}},
			"Edit":   {fmt.Sprintf("/admin/lookups/task_priorities/%d", priorities[1].ID), url.Values{"name": {"Renamed"}, "level": {"5"}}},
		} {
			post.form.Set("csrf_token", csrf)
			r := b.do(http.MethodPost, post.path, post.form, nil)
			require.Equal(t, http.StatusForbidden, r.status, "%s: %s", name, r.body)
		}
		require.Equal(t, priorities, apiLookups(t, inst, admin.Token, "task_priorities"), "nothing changed")
		_, after := staticData(t, inst, user.Token)
		require.Equal(t, etag, after, "the apps' static data is the same")
	})

	b := newBrowser(t, inst)
	csrf := b.signIn(admin)

	t.Run("CreateReachesTheApps", func(t *testing.T) {
		before, etag := staticData(t, inst, user.Token)
		require.NotContains(t, staticCategoryNames(before), "Boats")
		r := b.do(http.MethodPost, "/admin/lookups/task_categories", url.Values{"csrf_token": {csrf}, "name": {"Boats"},
			"icon": {"ship"}, "color": {"#0EA5E9"}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, "/admin/lookups/task_categories", r.header.Get("Location"))
		page := b.do(http.MethodGet, "/admin/lookups/task_categories", nil, nil)
		require.Contains(t, page.body, `Added the task category &#34;Boats&#34;.`, "the flash")
		require.Regexp(t, `<td class="name">Boats</td>\s*<td>ship</td>\s*<td><code>#0ea5e9</code></td>`, page.body)
		after, newETag := staticData(t, inst, user.Token)
		require.Contains(t, staticCategoryNames(after), "Boats")
		require.NotEqual(t, etag, newETag, "a new ETag with the new data")
	})

	t.Run("RefusedFieldsShowNextToThem", func(t *testing.T) {
		for _, tc := range []struct {
			name, kind string
			form       url.Values
			status     int
			field, msg string
		}{
			{"BadColor", "task_categories", url.Values{"name": {"Docks"}, "color": {"blue"}}, http.StatusBadRequest, "color", "must be # and six hex digits"},
			{"LevelNotANumber", "task_priorities", url.Values{"name": {"Soonish"}, "level": {"high"}}, http.StatusBadRequest, "level", "must be a whole number"},
			{"LevelMissing", "task_priorities", url.Values{"name": {"Soonish"}}, http.StatusBadRequest, "level", "is required"},
			{"IntervalTooShort", "task_frequencies", url.Values{"name": {"Hourly"}, "interval_days": {"0"}}, http.StatusBadRequest, "interval_days", "must be at least 1"},
			{"DuplicateName", "task_categories", url.Values{"name": {"Boats"}}, http.StatusConflict, "name", "already taken"},
			{"BlankName", "residence_types", url.Values{"name": {"  "}}, http.StatusBadRequest, "name", "must"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := apiLookups(t, inst, admin.Token, tc.kind)
				tc.form.Set("csrf_token", csrf)
				r := b.do(http.MethodPost, "/admin/lookups/"+tc.kind, tc.form, nil)
				require.Equal(t, tc.status, r.status, r.body)
				require.Regexp(t, fieldErrorAfter(tc.field, tc.msg), r.body)
				require.Contains(t, r.body, `value="`+strings.TrimSpace(tc.form.Get("name"))+`"`, "what was typed is kept")
				require.Equal(t, before, apiLookups(t, inst, admin.Token, tc.kind), "nothing added")
			})
		}
	})

	t.Run("EditARow", func(t *testing.T) {
		freq := apiLookups(t, inst, admin.Token, "task_frequencies")[1]
		require.NotNil(t, freq.IntervalDays)
		path := fmt.Sprintf("/admin/lookups/task_frequencies/%d", freq.ID)
		page := b.do(http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, page.body, `action="`+path+`"`)
		require.Contains(t, page.body, `value="`+freq.Name+`"`)

		r := b.do(http.MethodPost, path, url.Values{"csrf_token": {csrf}, "name": {freq.Name}, "interval_days": {"soon"}}, nil)
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Regexp(t, fieldErrorAfter("interval_days", "must be a whole number of days"), r.body)

		r = b.do(http.MethodPost, path, url.Values{"csrf_token": {csrf}, "name": {"Now and then"}, "interval_days": {""}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		got, ok := apiLookupNamed(t, inst, admin.Token, "task_frequencies", "Now and then")
		require.True(t, ok, "renamed")
		require.Equal(t, freq.ID, got.ID)
		require.Nil(t, got.IntervalDays, "an empty interval makes it one-time")
		require.Contains(t, b.do(http.MethodGet, "/admin/lookups/task_frequencies", nil, nil).body, "Saved the frequency")
	})

	t.Run("DeleteInUseMovesItsUses", func(t *testing.T) {
		boats, ok := apiLookupNamed(t, inst, admin.Token, "task_categories", "Boats")
		require.True(t, ok)
		other, ok := apiLookupNamed(t, inst, admin.Token, "task_categories", "Other")
		require.True(t, ok)
		h := apptest.NewHousehold(t, inst)
		var tasks []int64
		for i := range 2 {
			tasks = append(tasks, apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID,
				"title": fmt.Sprintf("Scrape hull %d", i), "category_id": boats.ID}))
		}
		path := fmt.Sprintf("/admin/lookups/task_categories/%d/delete", boats.ID)
		confirm := b.do(http.MethodGet, path, nil, nil)
		require.Equal(t, http.StatusOK, confirm.status)
		require.Contains(t, confirm.body, `action="`+path+`"`)

		r := b.do(http.MethodPost, path, url.Values{"csrf_token": {csrf}}, nil)
		require.Equal(t, http.StatusConflict, r.status, r.body)
		require.Contains(t, r.body, `task_category &#34;Boats&#34; is used by 2 tasks. Choose where they go, then delete.`)
		require.Contains(t, r.body, `<select id="replace_with" name="replace_with"`)
		require.Contains(t, r.body, `<option value="`+strconv.FormatInt(other.ID, 10)+`">Other</option>`)
		require.NotContains(t, r.body, `<option value="`+strconv.FormatInt(boats.ID, 10)+`"`, "not the row itself")
		_, still := apiLookupNamed(t, inst, admin.Token, "task_categories", "Boats")
		require.True(t, still, "nothing deleted yet")

		r = b.do(http.MethodPost, path, url.Values{"csrf_token": {csrf}, "replace_with": {strconv.FormatInt(other.ID, 10)}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		_, still = apiLookupNamed(t, inst, admin.Token, "task_categories", "Boats")
		require.False(t, still, "deleted")
		for _, id := range tasks {
			require.Equal(t, other.ID, apptest.GetTask(t, inst, h.Owner, id).CategoryID.Value, "task %d moved to Other", id)
		}
		require.Contains(t, b.do(http.MethodGet, "/admin/lookups/task_categories", nil, nil).body, `Deleted the task category &#34;Boats&#34;; its uses moved to &#34;Other&#34;.`)
	})

	t.Run("MoveUpAndDown", func(t *testing.T) {
		rows := apiLookups(t, inst, admin.Token, "task_priorities")
		require.GreaterOrEqual(t, len(rows), 3)
		ids := lookupIDs(rows)
		move := func(id int64, direction string) answer {
			t.Helper()
			return b.do(http.MethodPost, fmt.Sprintf("/admin/lookups/task_priorities/%d/move", id),
				url.Values{"csrf_token": {csrf}, "direction": {direction}}, nil)
		}
		r := move(ids[1], "up")
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		want := append([]int64{ids[1], ids[0]}, ids[2:]...)
		require.Equal(t, want, lookupIDs(apiLookups(t, inst, admin.Token, "task_priorities")))
		data, _ := staticData(t, inst, user.Token)
		require.Equal(t, rows[1].Name, data.TaskPriorities[0].Name, "the apps see the new order")

		r = move(ids[1], "down")
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, ids, lookupIDs(apiLookups(t, inst, admin.Token, "task_priorities")), "back where it was")

		last := ids[len(ids)-1]
		require.Equal(t, http.StatusSeeOther, move(last, "down").status)
		require.Contains(t, b.do(http.MethodGet, "/admin/lookups/task_priorities", nil, nil).body, "cannot move further down")
		require.Equal(t, ids, lookupIDs(apiLookups(t, inst, admin.Token, "task_priorities")), "the last row stays last")
	})
}
