package admin_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// adminTemplate is a template as the admin API returns it.
type adminTemplate struct {
	ID           int64    `json:"id"`
	Title        string   `json:"title"`
	CategoryID   *int64   `json:"category_id"`
	Tags         []string `json:"tags"`
	IsActive     bool     `json:"is_active"`
	DisplayOrder int32    `json:"display_order"`
}

type templatePage struct {
	Items      []adminTemplate `json:"items"`
	Total      int64           `json:"total"`
	NextCursor *string         `json:"next_cursor"`
}

func createTemplate(t *testing.T, inst *apptest.Instance, token string, body map[string]any) adminTemplate {
	t.Helper()
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/templates", Token: token, Body: body})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var out adminTemplate
	r.JSON(t, &out)
	return out
}

// appTemplateTitles returns the titles GET /api/task-templates offers the apps for q.
func appTemplateTitles(t *testing.T, inst *apptest.Instance, token, q string) []string {
	t.Helper()
	r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/task-templates?q=" + url.QueryEscape(q), Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var groups []client.TaskTemplateGroup
	r.JSON(t, &groups)
	var titles []string
	for _, g := range groups {
		for _, tt := range g.Templates {
			titles = append(titles, tt.Title)
		}
	}
	return titles
}

// TestTemplateListPaginates: every template, inactive included, comes once over the pages, each page
// carrying the total of the filter; category and q filter.
func TestTemplateListPaginates(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "viewer")
	var total int64
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM task_templates`, nil, &total)
	require.Greater(t, total, int64(5), "the seed has templates")
	apptest.DBExec(t, inst, `UPDATE task_templates SET is_active = false WHERE id = (SELECT min(id) FROM task_templates)`)

	seen := map[int64]bool{}
	cursor, pages := "", 0
	for {
		path := "/templates?limit=4"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: path, Token: admin.Token})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var page templatePage
		r.JSON(t, &page)
		require.Equal(t, total, page.Total, "page %d", pages)
		require.LessOrEqual(t, len(page.Items), 4)
		for _, it := range page.Items {
			require.False(t, seen[it.ID], "template %d on two pages", it.ID)
			seen[it.ID] = true
		}
		pages++
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	require.Len(t, seen, int(total), "every template, the inactive one included")
	require.Equal(t, int((total+3)/4), pages)

	hvac := lookupNamed(t, inst, admin.Token, "task_categories", "HVAC")
	var inHVAC int64
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM task_templates WHERE category_id = $1`, []any{hvac.ID}, &inHVAC)
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/templates?category_id=%d&limit=200", hvac.ID), Token: admin.Token})
	var page templatePage
	r.JSON(t, &page)
	require.Equal(t, inHVAC, page.Total)
	require.Len(t, page.Items, int(inHVAC))
	for _, it := range page.Items {
		require.Equal(t, hvac.ID, *it.CategoryID)
	}

	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/templates?cursor=nonsense", Token: admin.Token})
	apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "cursor")
}

// TestTemplateChangesReachTheApps: create, update (tags), deactivate, activate and delete each show on the
// next GET /api/task-templates and leave an audit row with before and after.
func TestTemplateChangesReachTheApps(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "admin")
	user := inst.Register(t)
	pool := lookupNamed(t, inst, admin.Token, "task_categories", "Pool & Spa")

	created := createTemplate(t, inst, admin.Token, map[string]any{"title": "Test pool chlorine", "category_id": pool.ID,
		"tags": []string{"water", " water ", "chemistry"}})
	require.Equal(t, []string{"water", "chemistry"}, created.Tags, "tags trimmed, repeats dropped")
	require.Contains(t, appTemplateTitles(t, inst, user.Token, "chlorine"), "Test pool chlorine")

	path := fmt.Sprintf("/templates/%d", created.ID)
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPatch, Path: path, Token: admin.Token,
		Body: map[string]any{"tags": []string{"ph"}}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Contains(t, appTemplateTitles(t, inst, user.Token, "ph"), "Test pool chlorine", "found by its new tag")

	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: path + "/deactivate", Token: admin.Token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.NotContains(t, appTemplateTitles(t, inst, user.Token, "chlorine"), "Test pool chlorine")
	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: path, Token: admin.Token})
	var got adminTemplate
	r.JSON(t, &got)
	require.False(t, got.IsActive, "the admin API still sees it")

	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: path + "/activate", Token: admin.Token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Contains(t, appTemplateTitles(t, inst, user.Token, "chlorine"), "Test pool chlorine")

	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodDelete, Path: path, Token: admin.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.NotContains(t, appTemplateTitles(t, inst, user.Token, "chlorine"), "Test pool chlorine")
	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: path, Token: admin.Token})
	apptest.RequireAPIError(t, r, http.StatusNotFound, "not_found", "")

	for action, want := range map[string]struct{ before, after bool }{
		"template.create": {false, true}, "template.update": {true, true}, "template.deactivate": {true, true},
		"template.activate": {true, true}, "template.delete": {true, false},
	} {
		rows := auditRows(t, inst, action)
		require.Len(t, rows, 1, action)
		require.Equal(t, fmt.Sprint(created.ID), rows[0].TargetID, action)
		require.Equal(t, want.before, rows[0].Before != nil, "%s before", action)
		require.Equal(t, want.after, rows[0].After != nil, "%s after", action)
	}
	var before, after map[string]any
	upd := auditRows(t, inst, "template.update")[0]
	require.NoError(t, json.Unmarshal(upd.Before, &before))
	require.NoError(t, json.Unmarshal(upd.After, &after))
	require.Equal(t, []any{"water", "chemistry"}, before["tags"])
	require.Equal(t, []any{"ph"}, after["tags"])
}

// TestTemplateValidation: duplicate titles and unknown lookups are refused, naming the field.
func TestTemplateValidation(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "admin")
	for _, tt := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
		field  string
	}{
		{"DuplicateTitle", map[string]any{"title": "Replace HVAC filter"}, http.StatusConflict, "duplicate", "title"},
		{"UnknownCategory", map[string]any{"title": "A", "category_id": 999999}, http.StatusBadRequest, "validation_failed", "category_id"},
		{"UnknownFrequency", map[string]any{"title": "B", "frequency_id": 999999}, http.StatusBadRequest, "validation_failed", "frequency_id"},
		{"BlankTitle", map[string]any{"title": "  "}, http.StatusBadRequest, "validation_failed", "title"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/templates", Token: admin.Token, Body: tt.body})
			apptest.RequireAPIError(t, r, tt.status, tt.code, tt.field)
		})
	}
}

// TestTemplateReorder: a category's templates take the order given; other categories' ids are a 400.
func TestTemplateReorder(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "admin")
	cat := createLookup(t, inst, admin.Token, "task_categories", map[string]any{"name": "Boats"})
	var ids []int64
	for _, title := range []string{"Hull", "Sails", "Engine"} {
		ids = append(ids, createTemplate(t, inst, admin.Token, map[string]any{"title": title, "category_id": cat.ID}).ID)
	}
	other := createTemplate(t, inst, admin.Token, map[string]any{"title": "Not a boat thing"})

	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPut, Path: "/templates/order", Token: admin.Token,
		Body: map[string]any{"category_id": cat.ID, "ids": []int64{ids[0], ids[1], other.ID}}})
	apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "ids")

	want := []int64{ids[2], ids[0], ids[1]}
	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodPut, Path: "/templates/order", Token: admin.Token,
		Body: map[string]any{"category_id": cat.ID, "ids": want}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var ordered []adminTemplate
	r.JSON(t, &ordered)
	var got []int64
	for _, tt := range ordered {
		got = append(got, tt.ID)
	}
	require.Equal(t, want, got)
	user := inst.Register(t)
	var boats []string
	for _, title := range appTemplateTitles(t, inst, user.Token, "") {
		if title == "Hull" || title == "Sails" || title == "Engine" {
			boats = append(boats, title)
		}
	}
	require.Equal(t, []string{"Engine", "Hull", "Sails"}, boats, "the apps list Boats' templates in the new order")
	require.Len(t, auditRows(t, inst, "template.reorder"), 1)
}

// TestSeedLookupsIsIdempotentAndAudited: the first run restores what was deleted and says so, the second
// adds nothing; both are audited, and the static data the apps get changes with the first.
func TestSeedLookupsIsIdempotentAndAudited(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "owner")
	user := inst.Register(t)
	apptest.DBExec(t, inst, `DELETE FROM contractor_specialties WHERE name = 'Roofer'`)
	_, etag := staticData(t, inst, user.Token)

	type counts map[string]int64
	seed := func() (added, total counts) {
		r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/settings/seed-lookups", Token: admin.Token})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var out struct{ Added, Total counts }
		r.JSON(t, &out)
		return out.Added, out.Total
	}
	added, total := seed()
	require.Equal(t, int64(1), added["contractor_specialties"])
	require.Equal(t, int64(0), added["task_categories"])
	data, etagAfter := staticData(t, inst, user.Token)
	require.NotEqual(t, etag, etagAfter)
	require.Len(t, data.ContractorSpecialties, int(total["contractor_specialties"]))

	added, again := seed()
	for kind, n := range added {
		require.Zero(t, n, "the second seed added %s", kind)
	}
	require.Equal(t, total, again)

	rows := auditRows(t, inst, "settings.seed_lookups")
	require.Len(t, rows, 2)
	var before, after counts
	require.NoError(t, json.Unmarshal(rows[0].Before, &before))
	require.NoError(t, json.Unmarshal(rows[0].After, &after))
	require.Equal(t, before["contractor_specialties"]+1, after["contractor_specialties"])
}
