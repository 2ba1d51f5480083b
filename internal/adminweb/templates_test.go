package adminweb_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// apiTemplate is a template as the admin API returns it.
type apiTemplate struct {
	ID           int64    `json:"id"`
	Title        string   `json:"title"`
	Description  string   `json:"description"`
	CategoryID   *int64   `json:"category_id"`
	FrequencyID  *int64   `json:"frequency_id"`
	Tags         []string `json:"tags"`
	IsActive     bool     `json:"is_active"`
	DisplayOrder int32    `json:"display_order"`
}

func apiTemplateGet(t *testing.T, inst *apptest.Instance, token string, id int64) (apiTemplate, int) {
	t.Helper()
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/templates/%d", id), Token: token})
	var out apiTemplate
	if r.Status == http.StatusOK {
		r.JSON(t, &out)
	}
	return out, r.Status
}

// apiCategoryTitles returns the titles of category's templates in their display order, through the admin API.
func apiCategoryTitles(t *testing.T, inst *apptest.Instance, token string, category int64) []string {
	t.Helper()
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Token: token,
		Path: fmt.Sprintf("/templates?category_id=%d&limit=200", category)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var pg struct {
		Items []apiTemplate `json:"items"`
	}
	r.JSON(t, &pg)
	slices.SortStableFunc(pg.Items, func(a, b apiTemplate) int { return int(a.DisplayOrder - b.DisplayOrder) })
	titles := make([]string, 0, len(pg.Items))
	for _, x := range pg.Items {
		titles = append(titles, x.Title)
	}
	return titles
}

// appTemplateTitles returns the titles GET /api/task-templates offers the apps for q.
func appTemplateTitles(t *testing.T, inst *apptest.Instance, token, q string) []string {
	t.Helper()
	r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/task-templates?q=" + url.QueryEscape(q), Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var groups []client.TaskTemplateGroup
	r.JSON(t, &groups)
	titles := []string{}
	for _, g := range groups {
		for _, tt := range g.Templates {
			titles = append(titles, tt.Title)
		}
	}
	return titles
}

var templateLocation = regexp.MustCompile(`^/admin/templates/(\d+)$`)

// TestTemplatesPages: a viewer reads templates without write controls and is refused; an admin adds a
// template (the apps offer it), sees refused fields next to them, edits it, finds it by category and search,
// deactivates and activates it (the apps follow), moves templates within their category and deletes one
// through the confirmation page.
func TestTemplatesPages(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "admin")
	user := inst.Register(t)
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/lookups/task_categories", Token: admin.Token,
		Body: map[string]any{"name": "Boats"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var boats apiLookup
	r.JSON(t, &boats)
	boatsID := strconv.FormatInt(boats.ID, 10)
	weekly, ok := apiLookupNamed(t, inst, admin.Token, "task_frequencies", "Weekly")
	require.True(t, ok, "the seed has a Weekly frequency")
	var hull apiTemplate
	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/templates", Token: admin.Token,
		Body: map[string]any{"title": "Scrape the hull", "category_id": boats.ID}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.JSON(t, &hull)
	hullPath := "/admin/templates/" + strconv.FormatInt(hull.ID, 10)

	t.Run("ViewerReadsButCannotChange", func(t *testing.T) {
		b := newBrowser(t, inst)
		csrf := b.signIn(inst.SignInAdmin(t, "viewer"))
		list := b.do(http.MethodGet, "/admin/templates?category_id="+boatsID, nil, nil)
		require.Equal(t, http.StatusOK, list.status)
		require.Contains(t, list.body, "Scrape the hull")
		page := b.do(http.MethodGet, hullPath, nil, nil)
		require.Equal(t, http.StatusOK, page.status)
		require.Contains(t, page.body, "Scrape the hull")
		require.Contains(t, page.body, `<th scope="row">Category</th><td>Boats</td>`, "a viewer reads the category's name")
		for _, body := range []string{list.body, page.body} {
			for _, write := range []string{"New template", "Move up", "Deactivate", "Delete", `name="title"`} {
				require.NotContains(t, body, write, "no write controls for a viewer")
			}
		}
		for name, post := range map[string]struct {
			path string
			form url.Values
		}{
			"Create":     {"/admin/templates", url.Values{"title": {"Paint the mast"}}},
			"Edit":       {hullPath, url.Values{"title": {"Renamed"}}},
			"Deactivate": {hullPath + "/deactivate", url.Values{}},
			"Move":       {hullPath + "/move", url.Values{"direction": {"down"}}},
			"Delete":     {hullPath + "/delete", url.Values{}},
		} {
			post.form.Set("csrf_token", csrf)
			r := b.do(http.MethodPost, post.path, post.form, nil)
			require.Equal(t, http.StatusForbidden, r.status, "%s: %s", name, r.body)
		}
		got, status := apiTemplateGet(t, inst, admin.Token, hull.ID)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, hull, got, "nothing changed")
		require.Equal(t, []string{"Scrape the hull"}, apiCategoryTitles(t, inst, admin.Token, boats.ID), "nothing added")
	})

	b := newBrowser(t, inst)
	csrf := b.signIn(admin)
	var sails int64

	t.Run("CreateReachesTheApps", func(t *testing.T) {
		form := b.do(http.MethodGet, "/admin/templates/new?category_id="+boatsID, nil, nil)
		require.Equal(t, http.StatusOK, form.status)
		require.Contains(t, form.body, `<option value="`+boatsID+`" selected>Boats</option>`, "the list's category is chosen")
		r := b.do(http.MethodPost, "/admin/templates", url.Values{"csrf_token": {csrf}, "title": {"Check the sails"},
			"description": {"Look for tears."}, "category_id": {boatsID}, "frequency_id": {strconv.FormatInt(weekly.ID, 10)},
			"tags": {"canvas, rigging ,, canvas"}, "is_active": {"true"}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		m := templateLocation.FindStringSubmatch(r.header.Get("Location"))
		require.NotNil(t, m, "to the new template's page: %s", r.header.Get("Location"))
		sails, _ = strconv.ParseInt(m[1], 10, 64)
		page := b.do(http.MethodGet, m[0], nil, nil)
		require.Contains(t, page.body, `Added the template &#34;Check the sails&#34;.`)
		got, _ := apiTemplateGet(t, inst, admin.Token, sails)
		require.Equal(t, "Look for tears.", got.Description)
		require.Equal(t, []string{"canvas", "rigging"}, got.Tags, "blank and repeated tags dropped")
		require.Equal(t, weekly.ID, *got.FrequencyID)
		require.True(t, got.IsActive)
		require.Contains(t, appTemplateTitles(t, inst, user.Token, "sails"), "Check the sails", "the apps offer it")
	})

	t.Run("RefusedFieldsShowNextToThem", func(t *testing.T) {
		for _, tc := range []struct {
			name       string
			form       url.Values
			status     int
			after, msg string
		}{
			{"BlankTitle", url.Values{"title": {" "}}, http.StatusBadRequest, `id="title"[^>]*>`, "must be at least 1 character"},
			{"LongTag", url.Values{"title": {"Oil the winches"}, "tags": {"ok, " + strings.Repeat("x", 51)}}, http.StatusBadRequest,
				`id="tags"[^>]*>`, "item 2 must be at most 50 characters"},
			{"UnknownCategory", url.Values{"title": {"Oil the winches"}, "category_id": {"999999"}}, http.StatusBadRequest,
				`</select>`, "no task_category has this id"},
			{"DuplicateTitle", url.Values{"title": {"Check the sails"}}, http.StatusConflict, `id="title"[^>]*>`, "already taken"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.form.Set("csrf_token", csrf)
				r := b.do(http.MethodPost, "/admin/templates", tc.form, nil)
				require.Equal(t, tc.status, r.status, r.body)
				require.Regexp(t, tc.after+`\s*<span class="field-error" role="alert">`+regexp.QuoteMeta(tc.msg), r.body)
				require.Contains(t, r.body, `value="`+strings.TrimSpace(tc.form.Get("title"))+`"`, "what was typed is kept")
			})
		}
		require.Equal(t, []string{"Scrape the hull", "Check the sails"}, apiCategoryTitles(t, inst, admin.Token, boats.ID), "nothing added")
	})

	t.Run("EditChangesWhatIsSent", func(t *testing.T) {
		path := fmt.Sprintf("/admin/templates/%d", sails)
		r := b.do(http.MethodPost, path, url.Values{"csrf_token": {csrf}, "title": {"Inspect the sails"}, "description": {""},
			"category_id": {boatsID}, "frequency_id": {""}, "tags": {"canvas"}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		got, _ := apiTemplateGet(t, inst, admin.Token, sails)
		require.Equal(t, "Inspect the sails", got.Title)
		require.Empty(t, got.Description)
		require.Nil(t, got.FrequencyID, "no frequency chosen clears it")
		require.Equal(t, []string{"canvas"}, got.Tags)
		require.Contains(t, b.do(http.MethodGet, path, nil, nil).body, "Saved the template")
	})

	t.Run("FilterAndSearch", func(t *testing.T) {
		byCategory := b.do(http.MethodGet, "/admin/templates?category_id="+boatsID, nil, nil)
		require.Equal(t, http.StatusOK, byCategory.status)
		require.Contains(t, byCategory.body, "2 in all")
		require.Regexp(t, `(?s)Scrape the hull.*Inspect the sails`, byCategory.body, "in the category's order")
		search := b.do(http.MethodGet, "/admin/templates?q=inspect+the+SAILS", nil, nil)
		require.Contains(t, search.body, "1 in all")
		require.Contains(t, search.body, "Inspect the sails")
		all := b.do(http.MethodGet, "/admin/templates", nil, nil)
		require.Contains(t, all.body, `rel="next"`, "the seeded templates take more than a page")
	})

	t.Run("DeactivateAndActivate", func(t *testing.T) {
		path := fmt.Sprintf("/admin/templates/%d", sails)
		r := b.do(http.MethodPost, path+"/deactivate", url.Values{"csrf_token": {csrf}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.NotContains(t, appTemplateTitles(t, inst, user.Token, "sails"), "Inspect the sails", "the apps stop offering it")
		page := b.do(http.MethodGet, path, nil, nil)
		require.Contains(t, page.body, "Template inactive")
		require.Contains(t, page.body, ">Activate</button>")
		r = b.do(http.MethodPost, path+"/activate", url.Values{"csrf_token": {csrf}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Contains(t, appTemplateTitles(t, inst, user.Token, "sails"), "Inspect the sails", "offered again")
	})

	t.Run("MoveWithinItsCategory", func(t *testing.T) {
		move := func(id int64, direction string) answer {
			t.Helper()
			return b.do(http.MethodPost, fmt.Sprintf("/admin/templates/%d/move", id),
				url.Values{"csrf_token": {csrf}, "direction": {direction}}, nil)
		}
		r := move(sails, "up")
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, "/admin/templates?category_id="+boatsID, r.header.Get("Location"))
		require.Equal(t, []string{"Inspect the sails", "Scrape the hull"}, apiCategoryTitles(t, inst, admin.Token, boats.ID))
		require.Contains(t, b.do(http.MethodGet, r.header.Get("Location"), nil, nil).body, "Moved &#34;Inspect the sails&#34; up.")

		r = move(sails, "up")
		require.Equal(t, http.StatusSeeOther, r.status)
		require.Contains(t, b.do(http.MethodGet, r.header.Get("Location"), nil, nil).body, "cannot move further up")
		r = move(sails, "down")
		require.Equal(t, http.StatusSeeOther, r.status)
		require.Equal(t, []string{"Scrape the hull", "Inspect the sails"}, apiCategoryTitles(t, inst, admin.Token, boats.ID))
	})

	t.Run("DeleteGoesThroughConfirmation", func(t *testing.T) {
		confirm := b.do(http.MethodGet, hullPath+"/delete", nil, nil)
		require.Equal(t, http.StatusOK, confirm.status)
		require.Contains(t, confirm.body, `action="`+hullPath+`/delete"`)
		r := b.do(http.MethodPost, hullPath+"/delete", url.Values{"csrf_token": {formToken(t, confirm.body)}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
		require.Equal(t, "/admin/templates", r.header.Get("Location"))
		_, status := apiTemplateGet(t, inst, admin.Token, hull.ID)
		require.Equal(t, http.StatusNotFound, status)
		require.Contains(t, b.do(http.MethodGet, "/admin/templates", nil, nil).body, "Deleted the template")
		require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, hullPath, nil, nil).status)
	})
}
