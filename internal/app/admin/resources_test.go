package admin_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// resourcePage is a page of any resource list as the tests read it.
type resourcePage struct {
	Items []struct {
		ID         int64 `json:"id"`
		Members    int64 `json:"members"`
		Tasks      int64 `json:"tasks"`
		InProgress bool  `json:"in_progress"`
	} `json:"items"`
	Total      int64   `json:"total"`
	NextCursor *string `json:"next_cursor"`
}

// listResources reads one page of path, which must answer 200.
func listResources(t *testing.T, inst *apptest.Instance, a apptest.AdminAccount, path string) resourcePage {
	t.Helper()
	r := sendAdmin(t, inst, a, http.MethodGet, path, nil)
	require.Equal(t, http.StatusOK, r.Status, "%s: %s", path, r.Body)
	var p resourcePage
	r.JSON(t, &p)
	return p
}

// marker returns a word no other test's data contains.
func marker() string {
	return "m" + strings.TrimSuffix(strings.TrimPrefix(apptest.UniqueEmail(), "user-"), "@example.com")
}

// household is a residence with one member of each role, a completed task, a contractor and a document with
// a file, on an instance whose files are in dir.
type household struct {
	apptest.Household
	taskID, contractorID, documentID int64
	dir                              string
	files                            []string
}

func newHousehold(t *testing.T) (*apptest.Instance, household) {
	t.Helper()
	inst, dir := apptest.StartDocuments(t, nil)
	before := apptest.StoredFiles(t, dir)
	h := household{Household: apptest.NewHousehold(t, inst), dir: dir}
	h.taskID = apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Clean gutters"})
	apptest.CompleteTask(t, inst, h.Owner, h.taskID, nil)
	h.contractorID = apptest.CreateContractor(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "name": "Ace Roofing"}).ID
	h.documentID = apptest.Upload(t, inst, h.Editor, h.ResidenceID,
		apptest.FilePart{Name: "manual.pdf", ContentType: "application/pdf", Content: apptest.TestPDF}).ID
	h.files = apptest.AddedFiles(t, dir, before)
	require.Len(t, h.files, 1)
	return inst, h
}

// TestResidenceViewAndDelete: the view shows members, the live share code and counts; the delete leaves
// every former member with 404 at once (their cached access is invalidated), deletes the files and is
// audited with what the residence was.
func TestResidenceViewAndDelete(t *testing.T) {
	t.Parallel()
	inst, h := newHousehold(t)
	admin := inst.SignInAdmin(t, "admin")
	code := apptest.ShareCode(t, inst, h.Owner, h.ResidenceID, "viewer")

	page := listResources(t, inst, admin, fmt.Sprintf("/residences?user_id=%d", h.Viewer.ID))
	require.EqualValues(t, 1, page.Total)
	require.Equal(t, h.ResidenceID, page.Items[0].ID)
	require.EqualValues(t, 3, page.Items[0].Members)
	require.EqualValues(t, 1, page.Items[0].Tasks)
	require.EqualValues(t, 0, listResources(t, inst, admin, fmt.Sprintf("/residences?user_id=%d", h.Stranger.ID)).Total)
	require.EqualValues(t, 1, listResources(t, inst, admin, "/residences?q="+url.QueryEscape(strings.ToUpper(strings.TrimPrefix(h.Name, "Secret ")))).Total)

	r := sendAdmin(t, inst, admin, http.MethodGet, fmt.Sprintf("/residences/%d", h.ResidenceID), nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var d struct {
		Name    string `json:"name"`
		Members []struct {
			UserID int64  `json:"user_id"`
			Email  string `json:"email"`
			Role   string `json:"role"`
		} `json:"members"`
		ShareCodes []struct {
			Code string `json:"code"`
		} `json:"share_codes"`
		Tasks, Completions, Documents, Contractors int64
	}
	r.JSON(t, &d)
	require.Equal(t, h.Name, d.Name)
	roles := map[int64]string{}
	for _, m := range d.Members {
		roles[m.UserID] = m.Role + " " + m.Email
	}
	require.Equal(t, map[int64]string{h.Owner.ID: "owner " + h.Owner.Email, h.Editor.ID: "editor " + h.Editor.Email,
		h.Viewer.ID: "viewer " + h.Viewer.Email}, roles)
	require.Len(t, d.ShareCodes, 1)
	require.Equal(t, code, d.ShareCodes[0].Code)
	require.Equal(t, [4]int64{1, 1, 1, 1}, [4]int64{d.Tasks, d.Completions, d.Documents, d.Contractors},
		"tasks, completions, documents, contractors")

	// Every member has read the residence, so each has its access cached.
	for _, m := range []apptest.Account{h.Owner, h.Editor, h.Viewer} {
		require.Equal(t, http.StatusOK, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: h.Path(""), Token: m.Token}).Status)
	}
	r = sendAdmin(t, inst, admin, http.MethodDelete, fmt.Sprintf("/residences/%d", h.ResidenceID), nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	for _, m := range []apptest.Account{h.Owner, h.Editor, h.Viewer} {
		got := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: h.Path(""), Token: m.Token})
		require.Equal(t, http.StatusNotFound, got.Status, "member %d after the delete: %s", m.ID, got.Body)
	}
	require.NotContains(t, apptest.StoredFiles(t, h.dir), h.files[0], "the document's file is deleted")

	rows := auditRows(t, inst, "residence.delete")
	require.Len(t, rows, 1)
	require.Equal(t, fmt.Sprint(h.ResidenceID), rows[0].TargetID)
	before := decodeAudit(t, rows[0].Before)
	require.Equal(t, h.Name, before["name"])
	require.EqualValues(t, 3, before["members"])
	require.Nil(t, rows[0].After)

	r = sendAdmin(t, inst, admin, http.MethodGet, fmt.Sprintf("/residences/%d", h.ResidenceID), nil)
	apptest.RequireAPIError(t, r, http.StatusNotFound, "not_found", "")
}

// TestTaskInProgress: marking a task in progress through the admin API shows in the app's task and on the
// board the member had already read (its version was bumped), and is audited before/after.
func TestTaskInProgress(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	admin := inst.SignInAdmin(t, "admin")
	h := apptest.NewHousehold(t, inst)
	id := apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Paint the fence"})
	col, card := apptest.FindCard(apptest.ResidenceBoard(t, inst, h.Editor, h.ResidenceID), id)
	require.False(t, card.InProgress)
	require.NotEqual(t, "in_progress", col)

	r := sendAdmin(t, inst, admin, http.MethodPatch, fmt.Sprintf("/tasks/%d", id), map[string]any{"in_progress": true})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var item struct {
		InProgress bool `json:"in_progress"`
	}
	r.JSON(t, &item)
	require.True(t, item.InProgress)
	require.True(t, apptest.GetTask(t, inst, h.Owner, id).InProgress)
	col, card = apptest.FindCard(apptest.ResidenceBoard(t, inst, h.Editor, h.ResidenceID), id)
	require.True(t, card.InProgress, "the board shows the change")
	require.Equal(t, "in_progress", col)

	rows := auditRows(t, inst, "task.update")
	require.Len(t, rows, 1)
	require.Equal(t, false, decodeAudit(t, rows[0].Before)["in_progress"])
	require.Equal(t, true, decodeAudit(t, rows[0].After)["in_progress"])

	bad := inst.DoAdmin(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/tasks/%d", id), Token: admin.Token,
		Body: map[string]any{"in_progress": "yes"}, Invalid: true})
	require.Equal(t, http.StatusBadRequest, bad.Status, string(bad.Body))
	missing := sendAdmin(t, inst, admin, http.MethodPatch, "/tasks/999999999", map[string]any{"in_progress": true})
	apptest.RequireAPIError(t, missing, http.StatusNotFound, "not_found", "")
}

// TestResourceListsPaginate: each list pages 5 matching rows at 2 a page in 3 pages without repeats, with
// the total on every page, and filters by residence.
func TestResourceListsPaginate(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	admin := inst.SignInAdmin(t, "viewer")
	owner := inst.Register(t)
	m := marker()
	residence := apptest.CreateResidence(t, inst, owner, "Home "+m)
	other := apptest.CreateResidence(t, inst, owner, "Cabin "+m)
	made := map[string][]int64{}
	for i := range 5 {
		made["/residences"] = append(made["/residences"], apptest.CreateResidence(t, inst, owner, fmt.Sprintf("Flat %d %s", i, m)))
		made["/tasks"] = append(made["/tasks"], apptest.CreateTask(t, inst, owner,
			map[string]any{"residence_id": residence, "title": fmt.Sprintf("Task %d %s", i, m)}))
		made["/contractors"] = append(made["/contractors"], apptest.CreateContractor(t, inst, owner,
			map[string]any{"residence_id": residence, "name": fmt.Sprintf("Builder %d", i), "company": m}).ID)
		made["/documents"] = append(made["/documents"], apptest.CreateDocument(t, inst, owner,
			map[string]any{"residence_id": residence, "title": fmt.Sprintf("Doc %d %s", i, m)}).ID)
	}
	// One more of each in the other residence, which the residence filter leaves out.
	apptest.CreateTask(t, inst, owner, map[string]any{"residence_id": other, "title": "Task x " + m})
	apptest.CreateContractor(t, inst, owner, map[string]any{"residence_id": other, "name": "Builder x", "company": m})
	apptest.CreateDocument(t, inst, owner, map[string]any{"residence_id": other, "title": "Doc x " + m})

	for path, ids := range made {
		query := "q=" + strings.ToUpper(m) + fmt.Sprintf("&residence_id=%d", residence)
		if path == "/residences" {
			require.EqualValues(t, 0, listResources(t, inst, admin, path+"?q=flat+%25").Total, "%% is literal")
			// Other tests' residences may be named Flat too; only this owner's count.
			query = fmt.Sprintf("q=flat&user_id=%d", owner.ID)
		}
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			var seen []int64
			next := path + "?limit=2&" + query
			for n := 1; ; n++ {
				p := listResources(t, inst, admin, next)
				require.EqualValues(t, 5, p.Total, "page %d", n)
				for _, it := range p.Items {
					require.NotContains(t, seen, it.ID, "page %d repeats", n)
					seen = append(seen, it.ID)
				}
				if p.NextCursor == nil {
					require.Equal(t, 3, n)
					break
				}
				next = path + "?limit=2&" + query + "&cursor=" + *p.NextCursor
			}
			require.ElementsMatch(t, ids, seen)
		})
	}
}

// TestDeleteTaskContractorDocument: each delete removes the row (the app answers 404), a document's file
// goes too, and each is audited.
func TestDeleteTaskContractorDocument(t *testing.T) {
	t.Parallel()
	inst, h := newHousehold(t)
	admin := inst.SignInAdmin(t, "owner")
	for _, c := range []struct{ kind, path string }{
		{"task", fmt.Sprintf("/tasks/%d", h.taskID)},
		{"contractor", fmt.Sprintf("/contractors/%d", h.contractorID)},
		{"document", fmt.Sprintf("/documents/%d", h.documentID)},
	} {
		require.Equal(t, http.StatusOK, sendAdmin(t, inst, admin, http.MethodGet, c.path, nil).Status, c.kind)
		r := sendAdmin(t, inst, admin, http.MethodDelete, c.path, nil)
		require.Equal(t, http.StatusNoContent, r.Status, "%s: %s", c.kind, r.Body)
		got := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: c.path, Token: h.Owner.Token})
		require.Equal(t, http.StatusNotFound, got.Status, "the app no longer has the %s", c.kind)
		apptest.RequireAPIError(t, sendAdmin(t, inst, admin, http.MethodDelete, c.path, nil), http.StatusNotFound, "not_found", "")
		rows := auditRows(t, inst, c.kind+".delete")
		require.Len(t, rows, 1, c.kind)
		require.NotNil(t, rows[0].Before, c.kind)
	}
	require.NotContains(t, apptest.StoredFiles(t, h.dir), h.files[0], "the document's file is deleted")
}

// TestViewerCannotChangeResources: a viewer is refused (403) every resource change and nothing changes.
func TestViewerCannotChangeResources(t *testing.T) {
	t.Parallel()
	inst, h := newHousehold(t)
	viewer := inst.SignInAdmin(t, "viewer")
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPatch, fmt.Sprintf("/tasks/%d", h.taskID), map[string]any{"in_progress": true}},
		{http.MethodDelete, fmt.Sprintf("/tasks/%d", h.taskID), nil},
		{http.MethodDelete, fmt.Sprintf("/contractors/%d", h.contractorID), nil},
		{http.MethodDelete, fmt.Sprintf("/documents/%d", h.documentID), nil},
		{http.MethodDelete, fmt.Sprintf("/residences/%d", h.ResidenceID), nil},
	} {
		r := sendAdmin(t, inst, viewer, c.method, c.path, c.body)
		apptest.RequireAPIError(t, r, http.StatusForbidden, "forbidden", "")
	}
	require.False(t, apptest.GetTask(t, inst, h.Owner, h.taskID).InProgress)
	for _, path := range []string{h.Path(""), fmt.Sprintf("/contractors/%d", h.contractorID), fmt.Sprintf("/documents/%d", h.documentID)} {
		require.Equal(t, http.StatusOK, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: h.Owner.Token}).Status, path)
	}
	require.Contains(t, apptest.StoredFiles(t, h.dir), h.files[0])
	var n int
	apptest.DBQueryRow(t, inst, `SELECT count(*) FROM admin_audit_log WHERE target_type <> 'admin_user'`, nil, &n)
	require.Zero(t, n)
}
