package admin_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/testvalkey"
)

// lookup is one row of GET /lookups/{kind} as the tests read it.
type lookup struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	DisplayOrder int32  `json:"display_order"`
	Icon         string `json:"icon"`
	Color        string `json:"color"`
	Level        *int32 `json:"level"`
	IntervalDays *int32 `json:"interval_days"`
}

// listLookups returns one kind's rows through the admin API, in their order.
func listLookups(t *testing.T, inst *apptest.Instance, token, kind string) []lookup {
	t.Helper()
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/lookups/" + kind, Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var out struct {
		Items []lookup `json:"items"`
	}
	r.JSON(t, &out)
	return out.Items
}

// lookupNamed returns the row of kind called name.
func lookupNamed(t *testing.T, inst *apptest.Instance, token, kind, name string) lookup {
	t.Helper()
	for _, l := range listLookups(t, inst, token, kind) {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no %s named %q", kind, name)
	return lookup{}
}

// createLookup adds a row of kind through the admin API and returns it.
func createLookup(t *testing.T, inst *apptest.Instance, token, kind string, body map[string]any) lookup {
	t.Helper()
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/lookups/" + kind, Token: token, Body: body})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var l lookup
	r.JSON(t, &l)
	return l
}

// staticData fetches GET /api/static-data from inst and returns its body and ETag.
func staticData(t *testing.T, inst *apptest.Instance, token string) (client.StaticData, string) {
	t.Helper()
	r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var data client.StaticData
	r.JSON(t, &data)
	etag := r.Header.Get("ETag")
	require.NotEmpty(t, etag)
	return data, etag
}

func categoryNames(data client.StaticData) []string {
	var names []string
	for _, c := range data.TaskCategories {
		names = append(names, c.Name)
	}
	return names
}

// TestLookupEditReachesEveryProcess: a lookup changed through process A is in the very next GET
// /api/static-data of process B, which had it cached, with a new ETag; and boards' lookups version moves.
func TestLookupEditReachesEveryProcess(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	a := apptest.Start(t, apptest.Options{ValkeyURL: url, KeyPrefix: prefix})
	b := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix, DatabaseURL: a.DatabaseURL})
	admin := a.SignInAdmin(t, "admin")
	user := b.Register(t)

	before, etagBefore := staticData(t, b, user.Token)
	require.Contains(t, categoryNames(before), "HVAC")
	_, etagAgain := staticData(t, b, user.Token)
	require.Equal(t, etagBefore, etagAgain, "B serves its cached copy")

	hvac := lookupNamed(t, a, admin.Token, "task_categories", "HVAC")
	r := a.DoAdmin(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/lookups/task_categories/%d", hvac.ID),
		Token: admin.Token, Body: map[string]any{"name": "Heating & Cooling", "color": "#123456"}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	after, etagAfter := staticData(t, b, user.Token)
	require.NotEqual(t, etagBefore, etagAfter, "the ETag changes with the content")
	require.Contains(t, categoryNames(after), "Heating & Cooling")
	require.NotContains(t, categoryNames(after), "HVAC")

	rows := auditRows(t, a, "lookup.update")
	require.Len(t, rows, 1)
	require.Equal(t, "task_category", rows[0].TargetType)
	require.Equal(t, fmt.Sprint(hvac.ID), rows[0].TargetID)
	require.JSONEq(t, fmt.Sprintf(`{"id":%d,"name":"HVAC","display_order":1,"icon":"fan","color":"#3b82f6"}`, hvac.ID), string(rows[0].Before))
	require.JSONEq(t, fmt.Sprintf(`{"id":%d,"name":"Heating & Cooling","display_order":1,"icon":"fan","color":"#123456"}`, hvac.ID), string(rows[0].After))
}

// TestLookupCreateValidates: per-kind fields, required level, duplicate names, and the create's audit row.
func TestLookupCreateValidates(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "owner")

	tests := []struct {
		name, kind string
		body       map[string]any
		status     int
		code       string
		field      string
	}{
		{"FieldTheKindLacks", "residence_types", map[string]any{"name": "Boat", "color": "#000000"}, http.StatusBadRequest, "validation_failed", "color"},
		{"IntervalOnACategory", "task_categories", map[string]any{"name": "Boats", "interval_days": 3}, http.StatusBadRequest, "validation_failed", "interval_days"},
		{"PriorityWithoutLevel", "task_priorities", map[string]any{"name": "Someday"}, http.StatusBadRequest, "validation_failed", "level"},
		{"BadColor", "task_categories", map[string]any{"name": "Boats", "color": "red"}, http.StatusBadRequest, "validation_failed", "color"},
		{"DuplicateName", "task_priorities", map[string]any{"name": "High", "level": 9}, http.StatusConflict, "duplicate", "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/lookups/" + tt.kind, Token: admin.Token,
				Body: tt.body, Invalid: tt.field == "color" && tt.kind == "task_categories"})
			apptest.RequireAPIError(t, r, tt.status, tt.code, tt.field)
		})
	}
	require.Empty(t, auditRows(t, inst, "lookup.create"), "nothing refused is audited")

	freq := createLookup(t, inst, admin.Token, "task_frequencies", map[string]any{"name": "Every 3 Days", "interval_days": 3})
	require.NotNil(t, freq.IntervalDays)
	require.Equal(t, int32(3), *freq.IntervalDays)
	require.Equal(t, int32(11), freq.DisplayOrder, "after the ten seeded frequencies")
	rows := auditRows(t, inst, "lookup.create")
	require.Len(t, rows, 1)
	require.Nil(t, rows[0].Before)
	require.JSONEq(t, fmt.Sprintf(`{"id":%d,"name":"Every 3 Days","display_order":11,"interval_days":3}`, freq.ID), string(rows[0].After))
}

// TestLookupDeleteInUse: a category tasks and templates use is refused with the count; replace_with moves
// them and deletes it in one go; an unusable replace_with is a 400.
func TestLookupDeleteInUse(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "admin")
	h := apptest.NewHousehold(t, inst)

	boats := createLookup(t, inst, admin.Token, "task_categories", map[string]any{"name": "Boats", "icon": "ship"})
	other := lookupNamed(t, inst, admin.Token, "task_categories", "Other")
	var tasks []int64
	for i := range 2 {
		tasks = append(tasks, apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID,
			"title": fmt.Sprintf("Scrape hull %d", i), "category_id": boats.ID}))
	}
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/templates", Token: admin.Token,
		Body: map[string]any{"title": "Winterize the boat", "category_id": boats.ID}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	path := fmt.Sprintf("/lookups/task_categories/%d", boats.ID)

	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodDelete, Path: path, Token: admin.Token})
	apptest.RequireAPIError(t, r, http.StatusConflict, "in_use", "replace_with")
	require.Contains(t, r.Err(t).Error.Message, "used by 2 tasks and 1 template")

	for _, bad := range []int64{boats.ID, 999999} {
		r = inst.DoAdmin(t, apptest.Request{Method: http.MethodDelete, Path: fmt.Sprintf("%s?replace_with=%d", path, bad), Token: admin.Token})
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "replace_with")
	}
	require.Equal(t, "Boats", lookupNamed(t, inst, admin.Token, "task_categories", "Boats").Name, "nothing deleted yet")

	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodDelete, Path: fmt.Sprintf("%s?replace_with=%d", path, other.ID), Token: admin.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	for _, id := range tasks {
		got := apptest.GetTask(t, inst, h.Owner, id)
		require.Equal(t, other.ID, got.CategoryID.Value, "task %d moved to Other", id)
	}
	var templateCategory int64
	apptest.DBQueryRow(t, inst, `SELECT category_id FROM task_templates WHERE title = 'Winterize the boat'`, nil, &templateCategory)
	require.Equal(t, other.ID, templateCategory)
	for _, l := range listLookups(t, inst, admin.Token, "task_categories") {
		require.NotEqual(t, boats.ID, l.ID, "Boats is deleted")
	}

	rows := auditRows(t, inst, "lookup.delete")
	require.Len(t, rows, 1)
	require.Nil(t, rows[0].After)
	var before map[string]any
	require.NoError(t, json.Unmarshal(rows[0].Before, &before))
	require.Equal(t, "Boats", before["name"])
	require.InDelta(t, float64(other.ID), before["replaced_with"], 0)
	require.InDelta(t, 3, before["moved"], 0, "two tasks and a template")
}

// TestLookupDeleteUnused: a row nothing uses is deleted outright; a missing one is a 404.
func TestLookupDeleteUnused(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "admin")
	boat := createLookup(t, inst, admin.Token, "residence_types", map[string]any{"name": "Houseboat"})
	path := fmt.Sprintf("/lookups/residence_types/%d", boat.ID)
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodDelete, Path: path, Token: admin.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodDelete, Path: path, Token: admin.Token})
	apptest.RequireAPIError(t, r, http.StatusNotFound, "not_found", "")
}

// TestLookupReorder: the new order is the list's order; a list that is not exactly the kind's ids is a 400.
func TestLookupReorder(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "admin")
	rows := listLookups(t, inst, admin.Token, "task_priorities")
	require.Len(t, rows, 4)
	ids := []int64{rows[3].ID, rows[2].ID, rows[1].ID, rows[0].ID}

	for name, bad := range map[string][]int64{
		"Missing":  ids[:3],
		"Repeated": {ids[0], ids[0], ids[1], ids[2]},
		"Foreign":  {ids[0], ids[1], ids[2], 999999},
	} {
		r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPut, Path: "/lookups/task_priorities/order", Token: admin.Token,
			Body: map[string]any{"ids": bad}})
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", name, r.Body)
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "ids")
	}

	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPut, Path: "/lookups/task_priorities/order", Token: admin.Token,
		Body: map[string]any{"ids": ids}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var got []int64
	for _, l := range listLookups(t, inst, admin.Token, "task_priorities") {
		got = append(got, l.ID)
	}
	require.Equal(t, ids, got)
	user := inst.Register(t)
	data, _ := staticData(t, inst, user.Token)
	require.Equal(t, "Urgent", data.TaskPriorities[0].Name, "the apps see the new order")

	audit := auditRows(t, inst, "lookup.reorder")
	require.Len(t, audit, 1)
	require.JSONEq(t, fmt.Sprintf(`{"ids":[%d,%d,%d,%d]}`, ids[3], ids[2], ids[1], ids[0]), string(audit[0].Before))
	require.JSONEq(t, fmt.Sprintf(`{"ids":[%d,%d,%d,%d]}`, ids[0], ids[1], ids[2], ids[3]), string(audit[0].After))
}

// TestViewerCannotChangeReferenceData: every write of lookups, templates and the seed is a 403 for a viewer,
// and nothing changes or is audited.
func TestViewerCannotChangeReferenceData(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	owner := inst.SignInAdmin(t, "owner")
	viewer := inst.SignInAdmin(t, "viewer")
	house := lookupNamed(t, inst, viewer.Token, "residence_types", "House")
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/templates", Token: owner.Token,
		Body: map[string]any{"title": "Check the sump pump"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var tmpl struct {
		ID int64 `json:"id"`
	}
	r.JSON(t, &tmpl)
	var auditBefore int
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM admin_audit_log WHERE action NOT LIKE 'admin.%'`, nil, &auditBefore)
	var stateBefore string
	apptest.DBQueryRow(t, inst, `SELECT (SELECT json_agg(r ORDER BY id) FROM residence_types r)::text ||
		(SELECT json_agg(t ORDER BY id) FROM task_templates t)::text`, nil, &stateBefore)

	ids := []int64{}
	for _, l := range listLookups(t, inst, viewer.Token, "residence_types") {
		ids = append(ids, l.ID)
	}
	for _, req := range []apptest.Request{
		{Method: http.MethodPost, Path: "/lookups/residence_types", Body: map[string]any{"name": "Castle"}},
		{Method: http.MethodPatch, Path: fmt.Sprintf("/lookups/residence_types/%d", house.ID), Body: map[string]any{"name": "Hut"}},
		{Method: http.MethodDelete, Path: fmt.Sprintf("/lookups/residence_types/%d", house.ID)},
		{Method: http.MethodPut, Path: "/lookups/residence_types/order", Body: map[string]any{"ids": ids}},
		{Method: http.MethodPost, Path: "/templates", Body: map[string]any{"title": "Polish the moat"}},
		{Method: http.MethodPatch, Path: fmt.Sprintf("/templates/%d", tmpl.ID), Body: map[string]any{"title": "x"}},
		{Method: http.MethodDelete, Path: fmt.Sprintf("/templates/%d", tmpl.ID)},
		{Method: http.MethodPost, Path: fmt.Sprintf("/templates/%d/deactivate", tmpl.ID)},
		{Method: http.MethodPut, Path: "/templates/order", Body: map[string]any{"category_id": nil, "ids": []int64{tmpl.ID}}},
		{Method: http.MethodPost, Path: "/settings/seed-lookups"},
	} {
		req.Token = viewer.Token
		r := inst.DoAdmin(t, req)
		apptest.RequireAPIError(t, r, http.StatusForbidden, "forbidden", "")
	}

	var auditAfter int
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM admin_audit_log WHERE action NOT LIKE 'admin.%'`, nil, &auditAfter)
	require.Equal(t, auditBefore, auditAfter, "no audit row for a refused change")
	var stateAfter string
	apptest.DBQueryRow(t, inst, `SELECT (SELECT json_agg(r ORDER BY id) FROM residence_types r)::text ||
		(SELECT json_agg(t ORDER BY id) FROM task_templates t)::text`, nil, &stateAfter)
	require.Equal(t, stateBefore, stateAfter, "nothing changed")
}

// TestLookupUpdateKeepsWhatIsNotSent: a frequency's interval set to null makes it one-time and leaves its
// name; a name another row has is a 409 and changes nothing.
func TestLookupUpdateKeepsWhatIsNotSent(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "admin")
	weekly := lookupNamed(t, inst, admin.Token, "task_frequencies", "Weekly")
	path := fmt.Sprintf("/lookups/task_frequencies/%d", weekly.ID)

	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPatch, Path: path, Token: admin.Token,
		Body: map[string]any{"interval_days": nil}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	got := lookupNamed(t, inst, admin.Token, "task_frequencies", "Weekly")
	require.Nil(t, got.IntervalDays, "one-time now")
	require.Equal(t, weekly.DisplayOrder, got.DisplayOrder)

	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodPatch, Path: path, Token: admin.Token,
		Body: map[string]any{"name": "Daily", "interval_days": 2}})
	apptest.RequireAPIError(t, r, http.StatusConflict, "duplicate", "name")
	got = lookupNamed(t, inst, admin.Token, "task_frequencies", "Weekly")
	require.Nil(t, got.IntervalDays, "the refused change left the interval")
	require.Len(t, auditRows(t, inst, "lookup.update"), 1, "only the change that happened")
}

// TestLookupChangeWithValkeyDownSaysTheCacheIsStale: when the static data cannot be invalidated (Valkey
// is down), the change stays committed and audited, but the operator gets a 500 cache_refresh_failed saying
// so rather than a success that other servers would not show; once Valkey is back, the next change refreshes.
func TestLookupChangeWithValkeyDownSaysTheCacheIsStale(t *testing.T) {
	t.Parallel()
	server := testvalkey.StartServer(t)
	inst := apptest.Start(t, apptest.Options{ValkeyURL: server.URL(), KeyPrefix: "homekeep:"})
	admin := inst.SignInAdmin(t, "admin")

	server.Stop(t)
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPost, Path: "/lookups/residence_types", Token: admin.Token,
		Body: map[string]any{"name": "Lighthouse"}})
	apptest.RequireAPIError(t, r, http.StatusInternalServerError, "cache_refresh_failed", "")
	require.Contains(t, r.Err(t).Error.Message, "the change is saved")
	var saved int
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM residence_types WHERE name = 'Lighthouse'`, nil, &saved)
	require.Equal(t, 1, saved)
	require.Len(t, auditRows(t, inst, "lookup.create"), 1)
}

// TestLookupReplaceMergesSpecialties: replacing a specialty moves each contractor's link to the other
// specialty, once, even for a contractor that already had both.
func TestLookupReplaceMergesSpecialties(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	admin := inst.SignInAdmin(t, "admin")
	h := apptest.NewHousehold(t, inst)
	roofer := lookupNamed(t, inst, admin.Token, "contractor_specialties", "Roofer")
	handyman := lookupNamed(t, inst, admin.Token, "contractor_specialties", "Handyman")
	both := apptest.CreateContractor(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "name": "Both",
		"specialty_ids": []int64{roofer.ID, handyman.ID}})
	only := apptest.CreateContractor(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "name": "Only",
		"specialty_ids": []int64{roofer.ID}})

	path := fmt.Sprintf("/lookups/contractor_specialties/%d", roofer.ID)
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodDelete, Path: path, Token: admin.Token})
	apptest.RequireAPIError(t, r, http.StatusConflict, "in_use", "replace_with")
	require.Contains(t, r.Err(t).Error.Message, "used by 2 contractors")

	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodDelete, Path: fmt.Sprintf("%s?replace_with=%d", path, handyman.ID), Token: admin.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	for _, c := range []int64{both.ID, only.ID} {
		var specialties []int64
		apptest.DBQuery(t, inst, `SELECT specialty_id FROM contractor_specialty_links WHERE contractor_id = $1`, []any{c},
			func(scan func(...any) error) {
				var id int64
				require.NoError(t, scan(&id))
				specialties = append(specialties, id)
			})
		require.Equal(t, []int64{handyman.ID}, specialties, "contractor %d", c)
	}
}
