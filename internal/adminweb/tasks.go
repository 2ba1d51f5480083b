package adminweb

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app/admin"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// taskRow is one task as the tasks list and the task page show it, with what its in-progress form needs; it
// is also the fragment an htmx toggle is answered with, so it carries the session's CSRF token itself.
type taskRow struct {
	T      adminoas.TaskItem
	CSRF   string
	Writer bool
	// Back is the page a plain post of the in-progress form returns to (the list with its filters).
	Back string
	// Saved says what the toggle just saved, in the row an htmx post is answered with.
	Saved string
}

type tasksView struct {
	Q           string
	ResidenceID string
	// Residence is the name of the residence filtered on, when its tasks are listed.
	Residence string
	Rows      []taskRow
	Pager     pager
}

// residenceParam reads the residence_id filter; ok is false for a value that is not a residence id.
func residenceParam(r *http.Request) (int64, bool) {
	s := strings.TrimSpace(r.URL.Query().Get("residence_id"))
	if s == "" {
		return 0, true
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

func (p *Panel) tasksPage(w http.ResponseWriter, r *http.Request) {
	rid, ok := residenceParam(r)
	if !ok {
		p.renderError(w, r, http.StatusBadRequest, "The residence filter (residence_id) must be a residence's id.")
		return
	}
	v := tasksView{Q: searchParam(r)}
	params := adminoas.AdminListTasksParams{Q: optString(v.Q), Cursor: optString(r.URL.Query().Get("cursor")),
		Limit: adminoas.NewOptInt(listLimit)}
	if rid > 0 {
		params.ResidenceID = adminoas.NewOptInt64(rid)
		v.ResidenceID = strconv.FormatInt(rid, 10)
	}
	res, err := p.admin.AdminListTasks(r.Context(), params)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	pg, ok := res.(*adminoas.TaskPage)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	s := sessionFrom(r)
	writer := p.writer(r)
	back := Prefix + "/tasks" + query(listQuery(r.URL.Query()))
	for _, t := range pg.Items {
		v.Rows = append(v.Rows, taskRow{T: t, CSRF: s.csrf, Writer: writer, Back: back})
		if rid > 0 {
			v.Residence = t.ResidenceName
		}
	}
	v.Pager = newPager(Prefix+"/tasks", r.URL.Query(), pg.Total, r.URL.Query().Get("cursor"), pg.NextCursor.Or(""))
	p.render(w, r, http.StatusOK, "tasks", page{Title: "Tasks", Data: v})
}

// listQuery keeps the filters and cursor of a list page a form returns to, and nothing else.
func listQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"q", "residence_id", "cursor"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

func (p *Panel) taskPage(w http.ResponseWriter, r *http.Request) {
	t, ok := p.fetchTask(w, r)
	if !ok {
		return
	}
	back := Prefix + "/tasks/" + strconv.FormatInt(t.ID, 10)
	row := taskRow{T: *t, CSRF: sessionFrom(r).csrf, Writer: p.writer(r), Back: back}
	p.render(w, r, http.StatusOK, "task", page{Title: t.Title, Data: row})
}

// fetchTask reads the task of the URL's {id}, or shows why it cannot (ok false).
func (p *Panel) fetchTask(w http.ResponseWriter, r *http.Request) (*adminoas.TaskItem, bool) {
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such task.")
		return nil, false
	}
	res, err := p.admin.AdminGetTask(r.Context(), adminoas.AdminGetTaskParams{ID: id})
	if err != nil {
		p.fail(w, r, err)
		return nil, false
	}
	t, ok := res.(*adminoas.TaskItem)
	if !ok {
		p.unexpected(w, r, res)
		return nil, false
	}
	return t, true
}

// writer reports whether the signed-in admin may change things (page.Writer, for fragments).
func (p *Panel) writer(r *http.Request) bool {
	return admin.RequireWriter(r.Context()) == nil
}

// setTaskInProgress saves a task's in-progress checkbox. An htmx post (the checkbox's change) is answered
// with the task's row as the server now has it; a plain post (the form's Save button) goes back to the list
// with a flash. An unchecked checkbox is not sent, so its absence is false.
func (p *Panel) setTaskInProgress(w http.ResponseWriter, r *http.Request) {
	if err := admin.RequireWriter(r.Context()); err != nil {
		p.failToggle(w, r, err)
		return
	}
	id, ok := pathID(r)
	if !ok {
		p.failToggle(w, r, apierror.NotFound("task"))
		return
	}
	req := adminoas.TaskItemUpdate{}
	switch r.PostFormValue("in_progress") {
	case "":
	case "true", "on":
		req.InProgress = true
	default:
		p.failToggle(w, r, &apierror.Error{Status: http.StatusBadRequest, Code: apierror.CodeValidationFailed,
			Message: "in_progress must be true or absent.", Fields: map[string]string{"in_progress": "must be true or absent"}})
		return
	}
	res, err := p.admin.AdminUpdateTask(r.Context(), &req, adminoas.AdminUpdateTaskParams{ID: id})
	if err != nil {
		p.failToggle(w, r, err)
		return
	}
	t, ok := res.(*adminoas.TaskItem)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	saved := "Not in progress: " + t.Title + "."
	if t.InProgress {
		saved = "In progress: " + t.Title + "."
	}
	back := r.PostFormValue("back")
	if isHtmx(r) {
		row := taskRow{T: *t, CSRF: sessionFrom(r).csrf, Writer: true, Back: back, Saved: saved}
		p.renderFragment(w, r, http.StatusOK, "tasks", "task-row", row)
		return
	}
	p.redirectWithFlash(w, r, back, saved)
}

// failToggle answers an in-progress post that failed. htmx swaps in no error answer, so the checkbox would
// go on showing a state that was not saved: an htmx post is also told to reload the page (HX-Refresh),
// which shows the task as it is (or the sign-in page, or the list without a task deleted meanwhile).
func (p *Panel) failToggle(w http.ResponseWriter, r *http.Request, err error) {
	if isHtmx(r) {
		w.Header().Set("HX-Refresh", "true")
	}
	p.fail(w, r, err)
}

func (p *Panel) confirmTaskDelete(w http.ResponseWriter, r *http.Request) {
	t, ok := p.fetchTask(w, r)
	if !ok {
		return
	}
	path := Prefix + "/tasks/" + strconv.FormatInt(t.ID, 10)
	p.confirm(w, r, confirmView{Question: "Delete the task “" + t.Title + "”?", Button: "Delete task", Back: path,
		Action: path + "/delete", Detail: "Its completions are deleted with it. This cannot be undone.",
		Hidden: url.Values{"back": {Prefix + "/tasks?residence_id=" + strconv.FormatInt(t.ResidenceID, 10)}}})
}

// deleteTask deletes a task through the admin API's code and goes back to its residence's tasks.
func (p *Panel) deleteTask(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such task.")
		return
	}
	if _, err := p.admin.AdminDeleteTask(r.Context(), adminoas.AdminDeleteTaskParams{ID: id}); err != nil {
		p.fail(w, r, err)
		return
	}
	back := r.PostFormValue("back")
	if back == "" {
		back = Prefix + "/tasks"
	}
	p.redirectWithFlash(w, r, back, "Task deleted with its completions.")
}
