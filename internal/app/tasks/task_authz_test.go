package tasks_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// taskLookups maps lookup names to ids, read from GET /static-data rather than assumed.
type taskLookups struct {
	categories, priorities, frequencies map[string]int64
	// categoryOrder is the categories' ids in display order.
	categoryOrder []int64
}

func loadTaskLookups(t *testing.T, inst *apptest.Instance, acct apptest.Account) taskLookups {
	t.Helper()
	r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var sd client.StaticData
	r.JSON(t, &sd)
	l := taskLookups{categories: map[string]int64{}, priorities: map[string]int64{}, frequencies: map[string]int64{}}
	for _, c := range sd.TaskCategories {
		l.categories[c.Name] = c.ID
	}
	for _, p := range sd.TaskPriorities {
		l.priorities[p.Name] = p.ID
	}
	for _, f := range sd.TaskFrequencies {
		l.frequencies[f.Name] = f.ID
	}
	for _, c := range sd.TaskCategories {
		l.categoryOrder = append(l.categoryOrder, c.ID)
	}
	for _, name := range []string{"Once", "Weekly", "Monthly", "Quarterly"} {
		require.Contains(t, l.frequencies, name, "seeded frequencies")
	}
	return l
}

func newTask(t *testing.T, inst *apptest.Instance, acct apptest.Account, body map[string]any) client.Task {
	t.Helper()
	return apptest.Expect[client.Task](t, inst, apptest.Request{Method: http.MethodPost, Path: "/tasks", Token: acct.Token, Body: body}, http.StatusCreated)
}

func taskAction(t *testing.T, inst *apptest.Instance, acct apptest.Account, id int64, action string) client.Task {
	t.Helper()
	r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: fmt.Sprintf("/tasks/%d/%s", id, action), Token: acct.Token})
	require.Equal(t, http.StatusOK, r.Status, "%s: %s", action, r.Body)
	var task client.Task
	r.JSON(t, &task)
	return task
}

func listTemplates(t *testing.T, inst *apptest.Instance, acct apptest.Account, q string) []client.TaskTemplateGroup {
	t.Helper()
	path := "/task-templates"
	if q != "" {
		path += "?q=" + q
	}
	r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: acct.Token})
	require.Equal(t, http.StatusOK, r.Status, "GET %s: %s", path, r.Body)
	var groups []client.TaskTemplateGroup
	r.JSON(t, &groups)
	return groups
}

func templateTitles(groups []client.TaskTemplateGroup) []string {
	titles := []string{}
	for _, g := range groups {
		for _, tpl := range g.Templates {
			titles = append(titles, tpl.Title)
		}
	}
	return titles
}

// uniqueTitle returns a task title no other test uses, so a response can be searched for it.
func uniqueTitle(prefix string) string {
	return prefix + " " + strings.TrimSuffix(strings.TrimPrefix(apptest.UniqueEmail(), "user-"), "@example.com")
}

// addDays adds n days to a YYYY-MM-DD date.
func addDays(t *testing.T, date string, n int) string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, date)
	require.NoError(t, err)
	return d.AddDate(0, 0, n).Format(time.DateOnly)
}

// taskFixture is a household with one task (and, when the endpoint needs one, a completion).
type taskFixture struct {
	apptest.Household
	task         client.Task
	title        string
	completionID int64
}

func (f taskFixture) taskPath(suffix string) string {
	return fmt.Sprintf("/tasks/%d%s", f.task.ID, suffix)
}

func TestTaskAuthorization(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})

	type endpoint struct {
		name   string
		method string
		path   func(f taskFixture) string
		body   func(f taskFixture) any
		// setup prepares the task (as the owner) before the call.
		setup func(t *testing.T, f *taskFixture)
		// want holds the status for owner, editor, viewer, stranger, anonymous.
		want [5]int
		// check verifies a successful call's effect.
		check func(t *testing.T, f taskFixture, r apptest.Response)
	}
	reads := [5]int{200, 200, 200, 404, 401}
	decodeTask := func(t *testing.T, r apptest.Response) client.Task {
		t.Helper()
		var task client.Task
		r.JSON(t, &task)
		return task
	}
	complete := func(t *testing.T, f *taskFixture) {
		t.Helper()
		f.completionID = apptest.CompleteTask(t, inst, f.Owner, f.task.ID, nil).Completion.ID
	}
	state := func(action string) func(t *testing.T, f *taskFixture) {
		return func(t *testing.T, f *taskFixture) {
			t.Helper()
			taskAction(t, inst, f.Owner, f.task.ID, action)
		}
	}
	endpoints := []endpoint{
		{name: "CreateTask", method: http.MethodPost, path: func(taskFixture) string { return "/tasks" },
			body: func(f taskFixture) any {
				return map[string]any{"residence_id": f.ResidenceID, "title": f.title + " (new)"}
			},
			want: [5]int{201, 201, 403, 404, 401},
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				task := decodeTask(t, r)
				require.Equal(t, f.title+" (new)", task.Title)
				require.Equal(t, f.ResidenceID, task.ResidenceID)
				_, card := apptest.FindCard(apptest.ResidenceBoard(t, inst, f.Owner, f.ResidenceID), task.ID)
				require.Equal(t, task.ID, card.ID, "the new task is on the residence board")
			}},
		{name: "GetTask", method: http.MethodGet, path: func(f taskFixture) string { return f.taskPath("") },
			want: reads,
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				require.Equal(t, f.title, decodeTask(t, r).Title)
			}},
		{name: "UpdateTask", method: http.MethodPatch, path: func(f taskFixture) string { return f.taskPath("") },
			body: func(taskFixture) any { return map[string]any{"description": "changed by a member"} },
			want: [5]int{200, 200, 403, 404, 401},
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				require.Equal(t, "changed by a member", decodeTask(t, r).Description)
				require.Equal(t, "changed by a member", apptest.GetTask(t, inst, f.Owner, f.task.ID).Description, "stored")
			}},
		{name: "DeleteTask", method: http.MethodDelete, path: func(f taskFixture) string { return f.taskPath("") },
			want: [5]int{204, 204, 403, 404, 401},
			check: func(t *testing.T, f taskFixture, _ apptest.Response) {
				r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: f.taskPath(""), Token: f.Owner.Token})
				require.Equal(t, http.StatusNotFound, r.Status, "deleted: %s", r.Body)
			}},
		{name: "StartTask", method: http.MethodPost, path: func(f taskFixture) string { return f.taskPath("/in-progress") },
			want: [5]int{200, 200, 403, 404, 401},
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				task := decodeTask(t, r)
				require.True(t, task.InProgress)
				require.EqualValues(t, "in_progress", task.Column)
			}},
		{name: "StopTask", method: http.MethodPost, path: func(f taskFixture) string { return f.taskPath("/not-in-progress") },
			setup: state("in-progress"), want: [5]int{200, 200, 403, 404, 401},
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				require.False(t, decodeTask(t, r).InProgress)
				require.False(t, apptest.GetTask(t, inst, f.Owner, f.task.ID).InProgress, "stored")
			}},
		{name: "CancelTask", method: http.MethodPost, path: func(f taskFixture) string { return f.taskPath("/cancel") },
			want: [5]int{200, 200, 403, 404, 401},
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				task := decodeTask(t, r)
				require.True(t, task.IsCancelled)
				require.EqualValues(t, "cancelled", task.Column)
			}},
		{name: "UncancelTask", method: http.MethodPost, path: func(f taskFixture) string { return f.taskPath("/uncancel") },
			setup: state("cancel"), want: [5]int{200, 200, 403, 404, 401},
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				task := decodeTask(t, r)
				require.False(t, task.IsCancelled)
				require.NotEqualValues(t, "cancelled", task.Column)
			}},
		{name: "ArchiveTask", method: http.MethodPost, path: func(f taskFixture) string { return f.taskPath("/archive") },
			want: [5]int{200, 200, 403, 404, 401},
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				task := decodeTask(t, r)
				require.True(t, task.IsArchived)
				require.EqualValues(t, "completed", task.Column)
			}},
		{name: "UnarchiveTask", method: http.MethodPost, path: func(f taskFixture) string { return f.taskPath("/unarchive") },
			setup: state("archive"), want: [5]int{200, 200, 403, 404, 401},
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				task := decodeTask(t, r)
				require.False(t, task.IsArchived)
				require.NotEqualValues(t, "completed", task.Column)
			}},
		{name: "CompleteTask", method: http.MethodPost, path: func(f taskFixture) string { return f.taskPath("/completions") },
			body: func(taskFixture) any { return map[string]any{"notes": "done"} },
			want: [5]int{201, 201, 403, 404, 401},
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				var res client.CompletionResult
				r.JSON(t, &res)
				require.EqualValues(t, 1, res.Task.CompletionCount)
				require.Equal(t, f.task.ID, res.Completion.TaskID)
				require.EqualValues(t, 1, apptest.GetTask(t, inst, f.Owner, f.task.ID).CompletionCount, "stored")
			}},
		{name: "ListCompletions", method: http.MethodGet, path: func(f taskFixture) string { return f.taskPath("/completions") },
			setup: complete, want: reads,
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				var list []client.Completion
				r.JSON(t, &list)
				require.Len(t, list, 1)
				require.Equal(t, f.completionID, list[0].ID)
			}},
		{name: "DeleteCompletion", method: http.MethodDelete,
			path:  func(f taskFixture) string { return fmt.Sprintf("/completions/%d", f.completionID) },
			setup: complete, want: [5]int{204, 204, 403, 404, 401},
			check: func(t *testing.T, f taskFixture, _ apptest.Response) {
				require.EqualValues(t, 0, apptest.GetTask(t, inst, f.Owner, f.task.ID).CompletionCount)
				require.Empty(t, apptest.ListCompletions(t, inst, f.Owner, f.task.ID))
			}},
		{name: "GetResidenceBoard", method: http.MethodGet, path: func(f taskFixture) string { return f.Path("/tasks") },
			want: reads,
			check: func(t *testing.T, f taskFixture, r apptest.Response) {
				var b client.Board
				r.JSON(t, &b)
				_, card := apptest.FindCard(b, f.task.ID)
				require.Equal(t, f.title, card.Title, "the board shows the task")
			}},
	}
	roles := []string{"Owner", "Editor", "Viewer", "Stranger", "Anonymous"}
	for _, ep := range endpoints {
		for i, role := range roles {
			t.Run(ep.name+"As"+role, func(t *testing.T) {
				t.Parallel()
				f := taskFixture{Household: apptest.NewHousehold(t, inst), title: uniqueTitle("Secret chore")}
				f.task = newTask(t, inst, f.Owner, map[string]any{"residence_id": f.ResidenceID, "title": f.title,
					"due_date": time.Now().UTC().AddDate(0, 0, 10).Format(time.DateOnly)})
				if ep.setup != nil {
					ep.setup(t, &f)
				}
				before := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: f.Path("/tasks"), Token: f.Owner.Token})
				require.Equal(t, http.StatusOK, before.Status)

				token := []string{f.Owner.Token, f.Editor.Token, f.Viewer.Token, f.Stranger.Token, ""}[i]
				req := apptest.Request{Method: ep.method, Path: ep.path(f), Token: token}
				if ep.body != nil {
					req.Body = ep.body(f)
				}
				r := inst.Do(t, req)
				require.Equal(t, ep.want[i], r.Status, "%s %s as %s: %s", req.Method, req.Path, role, r.Body)
				if r.Status >= 400 {
					wantCode := map[int]string{401: "unauthorized", 403: "forbidden", 404: "not_found"}[r.Status]
					require.Equal(t, wantCode, r.Err(t).Error.Code, string(r.Body))
					require.NotContains(t, string(r.Body), f.title, "an error must not leak the task")
					require.NotContains(t, string(r.Body), f.Name, "an error must not leak the residence")
					after := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: f.Path("/tasks"), Token: f.Owner.Token})
					require.JSONEq(t, string(before.Body), string(after.Body), "a refused request changes nothing")
					return
				}
				ep.check(t, f, r)
			})
		}
	}

	t.Run("BoardShowsTheTaskToMembersOnly", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		title := uniqueTitle("Household chore")
		task := newTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": title})
		for _, tt := range []struct {
			role  string
			acct  apptest.Account
			shown bool
		}{{"owner", h.Owner, true}, {"editor", h.Editor, true}, {"viewer", h.Viewer, true}, {"stranger", h.Stranger, false}} {
			r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: tt.acct.Token})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			var b client.Board
			r.JSON(t, &b)
			column, _ := apptest.FindCard(b, task.ID)
			if tt.shown {
				require.Equal(t, "upcoming", column, "the %s's board shows the task", tt.role)
			} else {
				require.Empty(t, column, "the %s's board must not show the task", tt.role)
				require.NotContains(t, string(r.Body), title)
			}
		}
	})

	t.Run("UnknownTaskIs404ForEveryone", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		for _, req := range []apptest.Request{
			{Method: http.MethodGet, Path: "/tasks/999999999"},
			{Method: http.MethodPatch, Path: "/tasks/999999999", Body: map[string]any{"description": "x"}},
			{Method: http.MethodPost, Path: "/tasks/999999999/completions"},
			{Method: http.MethodGet, Path: "/tasks/999999999/completions"},
			{Method: http.MethodDelete, Path: "/completions/999999999"},
		} {
			req.Token = h.Owner.Token
			r := inst.Do(t, req)
			require.Equal(t, http.StatusNotFound, r.Status, "%s %s: %s", req.Method, req.Path, r.Body)
			require.Equal(t, "not_found", r.Err(t).Error.Code)
		}
	})
}

func TestConcurrentCompletions(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})

	t.Run("EveryCompletionAdvancesOneInterval", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		lk := loadTaskLookups(t, inst, h.Owner)
		const n = 10
		const due = "2026-03-02"
		task := newTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Mow lawn",
			"frequency_id": lk.frequencies["Weekly"], "recurrence_anchor": "due_date", "due_date": due})
		require.EqualValues(t, 7, task.IntervalDays.Value)

		type result struct {
			resp apptest.Response
			err  error
		}
		results := make([]result, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				// Owner and editor alternate, so both roles write at once.
				acct := []apptest.Account{h.Owner, h.Editor}[i%2]
				results[i].resp, results[i].err = apptest.TryDo(inst, apptest.Request{Method: http.MethodPost,
					Path: fmt.Sprintf("/tasks/%d/completions", task.ID), Token: acct.Token,
					Body: map[string]any{"notes": fmt.Sprintf("completion %d", i)}})
			}()
		}
		close(start)
		wg.Wait()

		counts, nextDues := map[int]bool{}, map[string]bool{}
		for i, res := range results {
			require.NoError(t, res.err, "completion %d", i)
			require.Equal(t, http.StatusCreated, res.resp.Status, "completion %d: %s", i, res.resp.Body)
			var cr client.CompletionResult
			res.resp.JSON(t, &cr)
			counts[int(cr.Task.CompletionCount)] = true
			nextDues[cr.Task.NextDueDate.Value.Format(time.DateOnly)] = true
		}
		wantCounts, wantDues := map[int]bool{}, map[string]bool{}
		for k := 1; k <= n; k++ {
			wantCounts[k] = true
			wantDues[addDays(t, due, 7*k)] = true
		}
		require.Equal(t, wantCounts, counts, "each completion saw the one before it")
		require.Equal(t, wantDues, nextDues, "each completion advanced exactly one interval")

		got := apptest.GetTask(t, inst, h.Viewer, task.ID)
		require.EqualValues(t, n, got.CompletionCount)
		require.Equal(t, addDays(t, due, 7*n), got.NextDueDate.Value.Format(time.DateOnly), "none lost, none skipped")
		require.Equal(t, due, got.DueDate.Value.Format(time.DateOnly), "the original due date stays")
		require.Len(t, apptest.ListCompletions(t, inst, h.Viewer, task.ID), n)
	})

	t.Run("CompletionAnchorCountsFromEachCompletionLocalDate", func(t *testing.T) {
		t.Parallel()
		owner := inst.Register(t)
		lk := loadTaskLookups(t, inst, owner)
		const tz = "America/New_York"
		loc, err := time.LoadLocation(tz)
		require.NoError(t, err)
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: owner.Token,
			Body: map[string]any{"name": "Sequential", "timezone": tz}})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var res client.Residence
		r.JSON(t, &res)
		task := newTask(t, inst, owner, map[string]any{"residence_id": res.ID, "title": "Test sump pump",
			"frequency_id": lk.frequencies["Weekly"], "recurrence_anchor": "completion", "due_date": "2026-02-20"})

		for i, at := range []string{
			"2026-03-01T03:00:00Z", // still Feb 28 in New York
			"2026-03-10T12:00:00Z",
			"2026-04-01T02:30:00Z", // still Mar 31 in New York
			"2026-04-01T05:00:00Z", // Apr 1 in New York
		} {
			ts, err := time.Parse(time.RFC3339, at)
			require.NoError(t, err)
			want := addDays(t, ts.In(loc).Format(time.DateOnly), 7)
			cr := apptest.CompleteTask(t, inst, owner, task.ID, map[string]any{"completed_at": at})
			require.Equal(t, want, cr.Task.NextDueDate.Value.Format(time.DateOnly), "completion %d at %s", i+1, at)
			require.EqualValues(t, i+1, cr.Task.CompletionCount)
			require.True(t, ts.Equal(cr.Completion.CompletedAt), "completed_at stored as sent")
			require.True(t, ts.Equal(cr.Task.LastCompletedAt.Value), "last_completed_at is the latest")
			got := apptest.GetTask(t, inst, owner, task.ID)
			require.Equal(t, want, got.NextDueDate.Value.Format(time.DateOnly))
			require.Equal(t, want, got.EffectiveDueDate.Value.Format(time.DateOnly))
		}
	})

	t.Run("BackdatedCompletionDoesNotPullNextDueBack", func(t *testing.T) {
		t.Parallel()
		owner := inst.Register(t)
		lk := loadTaskLookups(t, inst, owner)
		rid := apptest.CreateResidence(t, inst, owner, "Backdated")
		task := newTask(t, inst, owner, map[string]any{"residence_id": rid, "title": "Clean dishwasher filter",
			"frequency_id": lk.frequencies["Weekly"], "recurrence_anchor": "completion"})
		latest := apptest.CompleteTask(t, inst, owner, task.ID, map[string]any{"completed_at": "2026-03-10T12:00:00Z"})
		require.Equal(t, "2026-03-17", latest.Task.NextDueDate.Value.Format(time.DateOnly))

		// Logging an older completion afterwards: the latest completion still sets the schedule.
		old := apptest.CompleteTask(t, inst, owner, task.ID, map[string]any{"completed_at": "2026-02-01T12:00:00Z"})
		require.EqualValues(t, 2, old.Task.CompletionCount)
		require.True(t, latest.Completion.CompletedAt.Equal(old.Task.LastCompletedAt.Value), "last_completed_at stays the latest")
		got := apptest.GetTask(t, inst, owner, task.ID)
		require.Equal(t, "2026-03-17", got.NextDueDate.Value.Format(time.DateOnly), "next due counts from the latest completion")
	})

	t.Run("ConcurrentDeletesLeaveNoStaleLastCompletion", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		task := newTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Clean windows"})
		const n = 8
		ids := make([]int64, n)
		for i := range n {
			ids[i] = apptest.CompleteTask(t, inst, h.Owner, task.ID,
				map[string]any{"completed_at": fmt.Sprintf("2026-01-%02dT12:00:00Z", i+1)}).Completion.ID
		}
		type result struct {
			resp apptest.Response
			err  error
		}
		results := make([]result, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i].resp, results[i].err = apptest.TryDo(inst, apptest.Request{Method: http.MethodDelete,
					Path: fmt.Sprintf("/completions/%d", id), Token: []apptest.Account{h.Owner, h.Editor}[i%2].Token})
			}()
		}
		close(start)
		wg.Wait()
		for i, res := range results {
			require.NoError(t, res.err, "delete %d", i)
			require.Equal(t, http.StatusNoContent, res.resp.Status, "delete %d: %s", i, res.resp.Body)
		}

		got := apptest.GetTask(t, inst, h.Owner, task.ID)
		require.EqualValues(t, 0, got.CompletionCount, "every delete counted")
		require.Empty(t, apptest.ListCompletions(t, inst, h.Owner, task.ID))
		require.NotEqualValues(t, "completed", got.Column, "reopened")
		require.True(t, got.LastCompletedAt.Null, "no completions remain")
	})
}

func TestRecurrenceAnchors(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})

	tests := []struct {
		name     string
		timezone string
		anchor   string
		due      string // "" for none
		// completions are completed_at values; want is next_due_date after each.
		completions []string
		want        []string
	}{
		{"CompletionAnchorCountsFromCompletionDate", "UTC", "completion", "2026-01-10",
			[]string{"2026-01-15T12:00:00Z"}, []string{"2026-02-14"}},
		{"DueDateAnchorCountsFromDueDate", "UTC", "due_date", "2026-01-10",
			[]string{"2026-01-15T12:00:00Z", "2026-02-01T12:00:00Z"}, []string{"2026-02-09", "2026-03-11"}},
		{"CompletionAnchorUsesResidenceLocalDate", "Pacific/Auckland", "completion", "2026-01-10",
			[]string{"2026-01-15T20:00:00Z"}, []string{"2026-02-15"}},
		{"CompletionAnchorSecondCompletionCountsFromItsOwnDate", "UTC", "completion", "2026-01-10",
			[]string{"2026-01-15T12:00:00Z", "2026-02-20T08:00:00Z"}, []string{"2026-02-14", "2026-03-22"}},
		{"DueDateAnchorWithoutDueDateStartsFromLocalCompletionDate", "Pacific/Auckland", "due_date", "",
			[]string{"2026-01-15T20:00:00Z", "2026-01-20T00:00:00Z"}, []string{"2026-02-15", "2026-03-17"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			owner := inst.Register(t)
			lk := loadTaskLookups(t, inst, owner)
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: owner.Token,
				Body: map[string]any{"name": tt.name, "timezone": tt.timezone}})
			require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
			var res client.Residence
			r.JSON(t, &res)
			body := map[string]any{"residence_id": res.ID, "title": "Test smoke detectors",
				"frequency_id": lk.frequencies["Monthly"], "recurrence_anchor": tt.anchor}
			if tt.due != "" {
				body["due_date"] = tt.due
			}
			task := newTask(t, inst, owner, body)
			require.EqualValues(t, 30, task.IntervalDays.Value)
			require.EqualValues(t, tt.anchor, task.RecurrenceAnchor)
			for i, at := range tt.completions {
				cr := apptest.CompleteTask(t, inst, owner, task.ID, map[string]any{"completed_at": at})
				require.False(t, cr.Task.NextDueDate.Null, "after completion %d", i+1)
				require.Equal(t, tt.want[i], cr.Task.NextDueDate.Value.Format(time.DateOnly), "next due after completion %d at %s", i+1, at)
				require.NotEqualValues(t, "completed", cr.Task.Column, "a recurring task never completes")
			}
			got := apptest.GetTask(t, inst, owner, task.ID)
			require.Equal(t, tt.want[len(tt.want)-1], got.NextDueDate.Value.Format(time.DateOnly))
			require.Equal(t, tt.want[len(tt.want)-1], got.EffectiveDueDate.Value.Format(time.DateOnly))
		})
	}

	for _, tt := range []struct {
		name      string
		frequency string // "" for none
	}{{"OneTimeTaskWithFrequencyOnce", "Once"}, {"OneTimeTaskWithoutFrequency", ""}} {
		t.Run(tt.name+"CompletesAndReopensWhenItsCompletionIsDeleted", func(t *testing.T) {
			t.Parallel()
			h := apptest.NewHousehold(t, inst)
			lk := loadTaskLookups(t, inst, h.Owner)
			body := map[string]any{"residence_id": h.ResidenceID, "title": "Fix leaking tap",
				"due_date": time.Now().UTC().AddDate(0, 0, 3).Format(time.DateOnly)}
			if tt.frequency != "" {
				body["frequency_id"] = lk.frequencies[tt.frequency]
			}
			task := newTask(t, inst, h.Owner, body)
			require.True(t, task.IntervalDays.Null, "one-time")
			require.EqualValues(t, "due_soon", task.Column)

			cr := apptest.CompleteTask(t, inst, h.Editor, task.ID, nil)
			require.EqualValues(t, "completed", cr.Task.Column)
			require.True(t, cr.Task.NextDueDate.Null, "a one-time task has no next occurrence")
			require.EqualValues(t, 1, cr.Task.CompletionCount)
			column, _ := apptest.FindCard(apptest.ResidenceBoard(t, inst, h.Viewer, h.ResidenceID), task.ID)
			require.Equal(t, "completed", column)

			r := inst.Do(t, apptest.Request{Method: http.MethodDelete,
				Path: fmt.Sprintf("/completions/%d", cr.Completion.ID), Token: h.Editor.Token})
			require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
			got := apptest.GetTask(t, inst, h.Owner, task.ID)
			require.NotEqualValues(t, "completed", got.Column, "reopened")
			require.EqualValues(t, "due_soon", got.Column)
			require.EqualValues(t, 0, got.CompletionCount)
			require.True(t, got.LastCompletedAt.Null)
			require.True(t, got.NextDueDate.Null)
			column, _ = apptest.FindCard(apptest.ResidenceBoard(t, inst, h.Viewer, h.ResidenceID), task.ID)
			require.Equal(t, "due_soon", column)

			r = inst.Do(t, apptest.Request{Method: http.MethodDelete,
				Path: fmt.Sprintf("/completions/%d", cr.Completion.ID), Token: h.Editor.Token})
			require.Equal(t, http.StatusNotFound, r.Status, "a deleted completion is gone: %s", r.Body)
		})
	}

	t.Run("RecurringTaskLeavesInProgressOnCompletion", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		lk := loadTaskLookups(t, inst, h.Owner)
		task := newTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Clean gutters",
			"frequency_id": lk.frequencies["Quarterly"]})
		require.True(t, taskAction(t, inst, h.Editor, task.ID, "in-progress").InProgress)
		cr := apptest.CompleteTask(t, inst, h.Editor, task.ID, nil)
		require.False(t, cr.Task.InProgress, "completion resets in_progress")
		require.NotEqualValues(t, "in_progress", cr.Task.Column)
		require.EqualValues(t, "upcoming", cr.Task.Column, "next due in 90 days")
		got := apptest.GetTask(t, inst, h.Owner, task.ID)
		require.False(t, got.InProgress)
		require.Equal(t, time.Now().UTC().AddDate(0, 0, 90).Format(time.DateOnly), got.NextDueDate.Value.Format(time.DateOnly))
	})
}

func TestTaskValidation(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})

	tests := []struct {
		name    string
		body    func(h apptest.Household) map[string]any
		invalid bool
		field   string
	}{
		{"CreateWithoutTitleOrTemplate", func(h apptest.Household) map[string]any {
			return map[string]any{"residence_id": h.ResidenceID}
		}, false, "title"},
		{"CreateWithBlankTitle", func(h apptest.Household) map[string]any {
			return map[string]any{"residence_id": h.ResidenceID, "title": "   "}
		}, false, "title"},
		{"CreateWithUnknownCategory", func(h apptest.Household) map[string]any {
			return map[string]any{"residence_id": h.ResidenceID, "title": "x", "category_id": 987654321}
		}, false, "category_id"},
		{"CreateWithUnknownPriority", func(h apptest.Household) map[string]any {
			return map[string]any{"residence_id": h.ResidenceID, "title": "x", "priority_id": 987654321}
		}, false, "priority_id"},
		{"CreateWithUnknownFrequency", func(h apptest.Household) map[string]any {
			return map[string]any{"residence_id": h.ResidenceID, "title": "x", "frequency_id": 987654321}
		}, false, "frequency_id"},
		{"CreateAssignedToNonMember", func(h apptest.Household) map[string]any {
			return map[string]any{"residence_id": h.ResidenceID, "title": "x", "assigned_to": h.Stranger.ID}
		}, false, "assigned_to"},
		{"CreateWithUnknownTemplate", func(h apptest.Household) map[string]any {
			return map[string]any{"residence_id": h.ResidenceID, "template_id": 987654321}
		}, false, "template_id"},
		{"CreateWithTitleTooLong", func(h apptest.Household) map[string]any {
			return map[string]any{"residence_id": h.ResidenceID, "title": strings.Repeat("x", 201)}
		}, true, "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := apptest.NewHousehold(t, inst)
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/tasks", Token: h.Owner.Token,
				Body: tt.body(h), Invalid: tt.invalid})
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			e := r.Err(t)
			require.Equal(t, "validation_failed", e.Error.Code)
			require.Contains(t, e.Error.Fields.Value, tt.field, string(r.Body))
			total := 0
			for _, c := range apptest.ResidenceBoard(t, inst, h.Owner, h.ResidenceID).Columns {
				total += int(c.Count)
			}
			require.Zero(t, total, "nothing stored")
		})
	}

	patches := []struct {
		name    string
		body    func(h apptest.Household) map[string]any
		invalid bool // the spec refuses it, not only the handler
		field   string
	}{
		{"PatchAssignedToNonMember", func(h apptest.Household) map[string]any { return map[string]any{"assigned_to": h.Stranger.ID} }, false, "assigned_to"},
		{"PatchUnknownCategory", func(apptest.Household) map[string]any { return map[string]any{"category_id": 987654321} }, false, "category_id"},
		{"PatchUnknownPriority", func(apptest.Household) map[string]any { return map[string]any{"priority_id": 987654321} }, false, "priority_id"},
		{"PatchUnknownFrequency", func(apptest.Household) map[string]any { return map[string]any{"frequency_id": 987654321} }, false, "frequency_id"},
		{"PatchBlankTitle", func(apptest.Household) map[string]any { return map[string]any{"title": "  "} }, true, "title"},
	}
	for _, tt := range patches {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := apptest.NewHousehold(t, inst)
			task := newTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Unchanged"})
			r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/tasks/%d", task.ID),
				Token: h.Editor.Token, Body: tt.body(h), Invalid: tt.invalid})
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			require.Contains(t, r.Err(t).Error.Fields.Value, tt.field, string(r.Body))
			got := apptest.GetTask(t, inst, h.Owner, task.ID)
			require.Equal(t, "Unchanged", got.Title)
			require.True(t, got.AssignedTo.Null, "nothing stored")
			require.True(t, got.CategoryID.Null)
		})
	}

	t.Run("AssignedToMemberShowsTheirFirstName", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: h.Viewer.Token,
			Body: map[string]any{"first_name": "Priya"}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r = inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: h.Editor.Token,
			Body: map[string]any{"first_name": "Mateo"}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))

		task := newTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Assigned",
			"assigned_to": h.Viewer.ID})
		require.Equal(t, h.Viewer.ID, task.AssignedTo.Value)
		require.Equal(t, "Priya", task.AssigneeName.Value)

		r = inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/tasks/%d", task.ID),
			Token: h.Owner.Token, Body: map[string]any{"assigned_to": h.Editor.ID}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var patched client.Task
		r.JSON(t, &patched)
		require.Equal(t, h.Editor.ID, patched.AssignedTo.Value)
		require.Equal(t, "Mateo", patched.AssigneeName.Value)
		_, card := apptest.FindCard(apptest.ResidenceBoard(t, inst, h.Viewer, h.ResidenceID), task.ID)
		require.Equal(t, "Mateo", card.AssigneeName.Value, "the board card names the assignee")

		r = inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/tasks/%d", task.ID),
			Token: h.Owner.Token, Body: map[string]any{"assigned_to": nil}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.JSON(t, &patched)
		require.True(t, patched.AssignedTo.Null, "null unassigns")
		require.True(t, patched.AssigneeName.Null)
	})

	t.Run("CompletedAtInTheFutureIsRejected", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		task := newTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Future"})
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: fmt.Sprintf("/tasks/%d/completions", task.ID),
			Token: h.Owner.Token, Body: map[string]any{"completed_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}})
		require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
		require.Contains(t, r.Err(t).Error.Fields.Value, "completed_at", string(r.Body))
		require.EqualValues(t, 0, apptest.GetTask(t, inst, h.Owner, task.ID).CompletionCount, "nothing stored")
	})

	t.Run("RatingAboveFiveIsRejected", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		task := newTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Rated"})
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: fmt.Sprintf("/tasks/%d/completions", task.ID),
			Token: h.Owner.Token, Body: map[string]any{"rating": 6}, Invalid: true})
		require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
		require.Contains(t, r.Err(t).Error.Fields.Value, "rating", string(r.Body))
		require.EqualValues(t, 0, apptest.GetTask(t, inst, h.Owner, task.ID).CompletionCount, "nothing stored")

		cr := apptest.CompleteTask(t, inst, h.Owner, task.ID, map[string]any{"rating": 5})
		require.EqualValues(t, 5, cr.Completion.Rating.Value)
	})

	t.Run("TemplateFillsTitleCategoryAndFrequency", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		lk := loadTaskLookups(t, inst, h.Owner)
		var tpl client.TaskTemplate
		for _, g := range listTemplates(t, inst, h.Owner, "") {
			for _, candidate := range g.Templates {
				if candidate.Title == "Replace HVAC filter" {
					tpl = candidate
				}
			}
		}
		require.NotZero(t, tpl.ID, "seeded template")

		task := newTask(t, inst, h.Editor, map[string]any{"residence_id": h.ResidenceID, "template_id": tpl.ID})
		require.Equal(t, tpl.Title, task.Title)
		require.Equal(t, tpl.Description, task.Description)
		require.Equal(t, tpl.CategoryID, task.CategoryID)
		require.Equal(t, lk.categories["HVAC"], task.CategoryID.Value)
		require.Equal(t, tpl.FrequencyID, task.FrequencyID)
		require.Equal(t, lk.frequencies["Quarterly"], task.FrequencyID.Value)
		require.EqualValues(t, 90, task.IntervalDays.Value, "the interval comes with the frequency")

		own := newTask(t, inst, h.Editor, map[string]any{"residence_id": h.ResidenceID, "template_id": tpl.ID,
			"title": "Basement filter", "description": "", "frequency_id": lk.frequencies["Monthly"]})
		require.Equal(t, "Basement filter", own.Title, "the request's title wins")
		require.Empty(t, own.Description, "the request's description wins, even empty")
		require.Equal(t, lk.frequencies["Monthly"], own.FrequencyID.Value, "the request's frequency wins")
		require.EqualValues(t, 30, own.IntervalDays.Value)
		require.Equal(t, tpl.CategoryID, own.CategoryID, "the template fills what is left out")
	})
}

func TestTemplates(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})

	t.Run("GroupedInCategoryOrderWithCategoryAndFrequency", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		lk := loadTaskLookups(t, inst, acct)
		order := map[int64]int{}
		for i, id := range lk.categoryOrder {
			order[id] = i
		}
		groups := listTemplates(t, inst, acct, "")
		require.NotEmpty(t, groups)
		total, last := 0, -1
		for _, g := range groups {
			require.False(t, g.CategoryID.Null, "group %q has a category", g.CategoryName)
			pos, ok := order[g.CategoryID.Value]
			require.True(t, ok, "group %q is a known category", g.CategoryName)
			require.Greater(t, pos, last, "group %q in category display order", g.CategoryName)
			last = pos
			require.NotEmpty(t, g.Templates)
			for _, tpl := range g.Templates {
				require.False(t, tpl.CategoryID.Null, "%q has a category", tpl.Title)
				require.Equal(t, g.CategoryID.Value, tpl.CategoryID.Value, "%q is in its category's group", tpl.Title)
				require.False(t, tpl.FrequencyID.Null, "%q has a frequency", tpl.Title)
				require.False(t, tpl.FrequencyName.Null, "%q has a frequency", tpl.Title)
				require.NotEmpty(t, tpl.Title)
				total++
			}
		}
		require.GreaterOrEqual(t, total, 40)
	})

	searches := []struct {
		name    string
		q       string
		want    []string // titles that must be found
		exclude []string // titles that must not
	}{
		{"FindsByTitle", "filter", []string{"Replace HVAC filter", "Clean dishwasher filter"}, []string{"Mow lawn"}},
		{"IsCaseInsensitive", "HvAc%20FiLtEr", []string{"Replace HVAC filter"}, []string{"Clean dishwasher filter"}},
		{"FindsByTagOnly", "lint", []string{"Clean dryer vent", "Clean dryer lint trap housing"}, []string{"Mow lawn"}},
		{"TrimsTheQuery", "%20%20gutters%20", []string{"Clean gutters"}, []string{"Mow lawn"}},
	}
	for _, tt := range searches {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			acct := inst.Register(t)
			titles := templateTitles(listTemplates(t, inst, acct, tt.q))
			for _, title := range tt.want {
				require.Contains(t, titles, title, "?q=%s", tt.q)
			}
			for _, title := range tt.exclude {
				require.NotContains(t, titles, title, "?q=%s", tt.q)
			}
		})
	}

	for _, q := range []string{"%25", "_", "%5C", "%25%25", "zzzz-no-such-template"} {
		t.Run("WildcardIsLiteral"+q, func(t *testing.T) {
			t.Parallel()
			acct := inst.Register(t)
			require.Empty(t, listTemplates(t, inst, acct, q), "?q=%s matches nothing, not everything", q)
		})
	}

	t.Run("EmptyQueryListsEverything", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		require.Equal(t, templateTitles(listTemplates(t, inst, acct, "")), templateTitles(listTemplates(t, inst, acct, "%20")))
	})

	t.Run("AnonymousIsRefused", func(t *testing.T) {
		t.Parallel()
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/task-templates"})
		require.Equal(t, http.StatusUnauthorized, r.Status)
	})
}

func TestBoardETag(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})

	for _, board := range []struct {
		name string
		path func(h apptest.Household) string
	}{
		{"Board", func(apptest.Household) string { return "/tasks" }},
		{"ResidenceBoard", func(h apptest.Household) string { return h.Path("/tasks") }},
	} {
		t.Run(board.name+"AnswersNotModifiedUntilATaskChanges", func(t *testing.T) {
			t.Parallel()
			h := apptest.NewHousehold(t, inst)
			task := newTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Tagged"})
			get := func(acct apptest.Account, ifNoneMatch string) apptest.Response {
				t.Helper()
				req := apptest.Request{Method: http.MethodGet, Path: board.path(h), Token: acct.Token}
				if ifNoneMatch != "" {
					req.Header = http.Header{"If-None-Match": {ifNoneMatch}}
				}
				return inst.Do(t, req)
			}

			get(h.Viewer, "") // a process new to the caller tags its first board from its rows
			first := get(h.Viewer, "")
			require.Equal(t, http.StatusOK, first.Status, string(first.Body))
			etag := first.Header.Get("ETag")
			require.NotEmpty(t, etag, "headers: %v", first.Header)
			require.Equal(t, []string{etag}, first.Header["Etag"], "one ETag header; Go canonicalises the name")
			require.True(t, strings.HasPrefix(etag, `"`) && strings.HasSuffix(etag, `"`), "a quoted entity tag: %s", etag)

			for _, inm := range []string{etag, "W/" + etag, `"stale", ` + etag, "*"} {
				r := get(h.Viewer, inm)
				require.Equal(t, http.StatusNotModified, r.Status, "If-None-Match: %s: %s", inm, r.Body)
				require.Empty(t, r.Body, "304 has no body")
			}
			r := get(h.Viewer, `"stale"`)
			require.Equal(t, http.StatusOK, r.Status, "an unknown tag gets the board")
			require.Equal(t, etag, r.Header.Get("ETag"), "the same board, the same tag")
			require.JSONEq(t, string(first.Body), string(r.Body))

			apptest.CompleteTask(t, inst, h.Editor, task.ID, nil)
			r = get(h.Viewer, etag)
			require.Equal(t, http.StatusOK, r.Status, "the board changed: %s", r.Body)
			require.NotEmpty(t, r.Header.Get("ETag"))
			require.NotEqual(t, etag, r.Header.Get("ETag"))
			var b client.Board
			r.JSON(t, &b)
			column, _ := apptest.FindCard(b, task.ID)
			require.Equal(t, "completed", column)
			require.Equal(t, http.StatusNotModified, get(h.Viewer, r.Header.Get("ETag")).Status)
		})
	}
}
