package notifications_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// eventWorld is a household (owner, editor, viewer, stranger) with an unassigned task, plus a newcomer who
// is not a member yet, for the event tests to act in.
type eventWorld struct {
	apptest.Household
	Newcomer apptest.Account
	TaskID   int64
}

// everyone names the world's accounts, in the order the tests report them.
func (w eventWorld) everyone() map[string]apptest.Account {
	return map[string]apptest.Account{"owner": w.Owner, "editor": w.Editor, "viewer": w.Viewer, "stranger": w.Stranger,
		"newcomer": w.Newcomer}
}

// wantRow is a feed row an event must write: its kind, and the task (0 for none) and residence it is about.
type wantRow struct {
	Kind        client.NotificationKind
	TaskID      int64
	ResidenceID int64
}

// feedRows is acct's whole feed keyed by notification id.
func feedRows(t *testing.T, inst *apptest.Instance, acct apptest.Account) map[int64]client.Notification {
	t.Helper()
	rows := map[int64]client.Notification{}
	query := url.Values{"limit": {"100"}}
	for page := 0; ; page++ {
		require.Less(t, page, 10, "the feed never ends")
		p := listFeed(t, inst, acct, query)
		for _, n := range p.Items {
			rows[n.ID] = n
		}
		next, ok := p.NextCursor.Get()
		if !ok {
			return rows
		}
		query.Set("cursor", next)
	}
}

func taskRequest(method, path string, acct apptest.Account, body map[string]any) apptest.Request {
	return apptest.Request{Method: method, Path: path, Token: acct.Token, Body: body}
}

// assignTo is a setup that assigns the world's task to the account who gives, as the owner.
func assignTo(who func(w eventWorld) apptest.Account) func(t *testing.T, w eventWorld) {
	return func(t *testing.T, w eventWorld) {
		t.Helper()
		r := w.Inst.Do(t, taskRequest(http.MethodPatch, fmt.Sprintf("/tasks/%d", w.TaskID), w.Owner,
			map[string]any{"assigned_to": who(w).ID}))
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	}
}

// testEvents checks that each event writes one feed row for each right recipient, of the right kind and about
// the right task and residence, none for the actor or anyone else, and that a refused change writes none.
func testEvents(t *testing.T, inst *apptest.Instance) {
	for _, tc := range []struct {
		name string
		// setup runs before the feeds are read; nil for none.
		setup  func(t *testing.T, w eventWorld)
		act    func(w eventWorld) apptest.Request
		status int
		// want is the new feed rows of each account by name; an account not named gets none.
		want func(w eventWorld) map[string][]wantRow
	}{
		{
			name: "ATaskCreatedForAnotherMemberNotifiesTheAssignee",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPost, "/tasks", w.Owner, map[string]any{"residence_id": w.ResidenceID,
					"title": "Clean gutters", "assigned_to": w.Editor.ID})
			},
			status: http.StatusCreated,
			want: func(w eventWorld) map[string][]wantRow {
				return map[string][]wantRow{"editor": {{Kind: client.NotificationKindTaskAssigned, TaskID: -1, ResidenceID: w.ResidenceID}}}
			},
		},
		{
			name: "ATaskCreatedForOneselfNotifiesNobody",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPost, "/tasks", w.Editor, map[string]any{"residence_id": w.ResidenceID,
					"title": "Clean gutters", "assigned_to": w.Editor.ID})
			},
			status: http.StatusCreated,
		},
		{
			name: "AnUnassignedTaskNotifiesNobody",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPost, "/tasks", w.Owner, map[string]any{"residence_id": w.ResidenceID, "title": "Clean gutters"})
			},
			status: http.StatusCreated,
		},
		{
			name: "ATaskCreatedForANonMemberIsRefusedAndNotifiesNobody",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPost, "/tasks", w.Owner, map[string]any{"residence_id": w.ResidenceID,
					"title": "Clean gutters", "assigned_to": w.Stranger.ID})
			},
			status: http.StatusBadRequest,
		},
		{
			name: "AViewerCannotCreateATaskAndNotifiesNobody",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPost, "/tasks", w.Viewer, map[string]any{"residence_id": w.ResidenceID,
					"title": "Clean gutters", "assigned_to": w.Editor.ID})
			},
			status: http.StatusForbidden,
		},
		{
			name: "AnUpdateToAnotherAssigneeNotifiesTheAssignee",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPatch, fmt.Sprintf("/tasks/%d", w.TaskID), w.Editor, map[string]any{"assigned_to": w.Viewer.ID})
			},
			status: http.StatusOK,
			want: func(w eventWorld) map[string][]wantRow {
				return map[string][]wantRow{"viewer": {{Kind: client.NotificationKindTaskAssigned, TaskID: w.TaskID, ResidenceID: w.ResidenceID}}}
			},
		},
		{
			name: "AnUpdateToOneselfNotifiesNobody",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPatch, fmt.Sprintf("/tasks/%d", w.TaskID), w.Editor, map[string]any{"assigned_to": w.Editor.ID})
			},
			status: http.StatusOK,
		},
		{
			name:  "AnUpdateThatLeavesTheAssigneeNotifiesNobody",
			setup: assignTo(func(w eventWorld) apptest.Account { return w.Viewer }),
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPatch, fmt.Sprintf("/tasks/%d", w.TaskID), w.Owner, map[string]any{"title": "Renamed"})
			},
			status: http.StatusOK,
		},
		{
			name:  "AnUpdateThatSetsTheSameAssigneeAgainNotifiesNobody",
			setup: assignTo(func(w eventWorld) apptest.Account { return w.Viewer }),
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPatch, fmt.Sprintf("/tasks/%d", w.TaskID), w.Owner,
					map[string]any{"title": "Renamed", "assigned_to": w.Viewer.ID})
			},
			status: http.StatusOK,
		},
		{
			name:  "AReassignmentNotifiesOnlyTheNewAssignee",
			setup: assignTo(func(w eventWorld) apptest.Account { return w.Viewer }),
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPatch, fmt.Sprintf("/tasks/%d", w.TaskID), w.Editor, map[string]any{"assigned_to": w.Owner.ID})
			},
			status: http.StatusOK,
			want: func(w eventWorld) map[string][]wantRow {
				return map[string][]wantRow{"owner": {{Kind: client.NotificationKindTaskAssigned, TaskID: w.TaskID, ResidenceID: w.ResidenceID}}}
			},
		},
		{
			name:  "AnUnassignmentNotifiesNobody",
			setup: assignTo(func(w eventWorld) apptest.Account { return w.Viewer }),
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPatch, fmt.Sprintf("/tasks/%d", w.TaskID), w.Owner, map[string]any{"assigned_to": nil})
			},
			status: http.StatusOK,
		},
		{
			name: "AnUpdateToANonMemberIsRefusedAndNotifiesNobody",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPatch, fmt.Sprintf("/tasks/%d", w.TaskID), w.Owner, map[string]any{"assigned_to": w.Stranger.ID})
			},
			status: http.StatusBadRequest,
		},
		{
			name: "ACompletionNotifiesTheOtherMembers",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPost, fmt.Sprintf("/tasks/%d/completions", w.TaskID), w.Editor, map[string]any{})
			},
			status: http.StatusCreated,
			want: func(w eventWorld) map[string][]wantRow {
				row := wantRow{Kind: client.NotificationKindTaskCompleted, TaskID: w.TaskID, ResidenceID: w.ResidenceID}
				return map[string][]wantRow{"owner": {row}, "viewer": {row}}
			},
		},
		{
			name: "AViewerCannotCompleteAndNotifiesNobody",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPost, fmt.Sprintf("/tasks/%d/completions", w.TaskID), w.Viewer, map[string]any{})
			},
			status: http.StatusForbidden,
		},
		{
			name: "AJoinNotifiesTheOwner",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPost, "/residences/join", w.Newcomer,
					map[string]any{"code": apptest.ShareCode(t, inst, w.Owner, w.ResidenceID, "viewer")})
			},
			status: http.StatusOK,
			want: func(w eventWorld) map[string][]wantRow {
				return map[string][]wantRow{"owner": {{Kind: client.NotificationKindMemberJoined, ResidenceID: w.ResidenceID}}}
			},
		},
		{
			name: "AMemberJoiningAgainNotifiesNobody",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPost, "/residences/join", w.Editor,
					map[string]any{"code": apptest.ShareCode(t, inst, w.Owner, w.ResidenceID, "editor")})
			},
			status: http.StatusOK,
		},
		{
			name: "AJoinWithAnUnknownCodeIsRefusedAndNotifiesNobody",
			act: func(w eventWorld) apptest.Request {
				return taskRequest(http.MethodPost, "/residences/join", w.Newcomer, map[string]any{"code": "ZZZZZZ"})
			},
			status: http.StatusNotFound,
		},
		{
			name: "AJoinWithAReplacedCodeIsRefusedAndNotifiesNobody",
			act: func(w eventWorld) apptest.Request {
				old := apptest.ShareCode(t, inst, w.Owner, w.ResidenceID, "viewer")
				apptest.ShareCode(t, inst, w.Owner, w.ResidenceID, "viewer")
				return taskRequest(http.MethodPost, "/residences/join", w.Newcomer, map[string]any{"code": old})
			},
			status: http.StatusBadRequest,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := eventWorld{Household: apptest.NewHousehold(t, inst), Newcomer: inst.Register(t)}
			w.TaskID = apptest.CreateTask(t, inst, w.Owner, map[string]any{"residence_id": w.ResidenceID, "title": "Clean gutters"})
			if tc.setup != nil {
				tc.setup(t, w)
			}
			before := map[string]map[int64]client.Notification{}
			for name, acct := range w.everyone() {
				before[name] = feedRows(t, inst, acct)
			}

			req := tc.act(w)
			r := inst.Do(t, req)
			require.Equal(t, tc.status, r.Status, string(r.Body))
			var created client.Task
			if req.Path == "/tasks" && r.Status == http.StatusCreated {
				r.JSON(t, &created)
			}

			want := map[string][]wantRow{}
			if tc.want != nil {
				want = tc.want(w)
			}
			for _, name := range slices.Sorted(maps.Keys(w.everyone())) {
				var got []wantRow
				for id, n := range feedRows(t, inst, w.everyone()[name]) {
					if _, old := before[name][id]; old {
						continue
					}
					require.NotEmpty(t, n.Title, "%s's new row %d has a title", name, id)
					require.True(t, n.ReadAt.Null, "%s's new row %d is unread", name, id)
					got = append(got, wantRow{Kind: n.Kind, TaskID: n.TaskID.Or(0), ResidenceID: n.ResidenceID.Or(0)})
				}
				wantRows := want[name]
				for i := range wantRows {
					if wantRows[i].TaskID == -1 {
						wantRows[i].TaskID = created.ID
					}
				}
				require.ElementsMatch(t, wantRows, got, "the new feed rows of the %s", name)
			}
		})
	}
}

// testEventsCostNoStatement holds each event to the statements its change cost without it: the feed rows
// are written by the change's own statement, so a request that notifies costs what its quiet twin costs
// (the same operation that notifies nobody). Each request runs twice and the second, warm, runs compare.
func testEventsCostNoStatement(t *testing.T, _ *apptest.Instance) {
	inst := apptest.Start(t, apptest.Options{}) // its own instance: the statement counter is per process
	h := apptest.NewHousehold(t, inst)
	solo := apptest.CreateResidence(t, inst, h.Owner, "Solo "+apptest.UniqueEmail())
	soloTask := apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": solo, "title": "Alone"})
	task := apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Shared"})
	newcomers := []apptest.Account{inst.Register(t), inst.Register(t)}
	for _, acct := range append([]apptest.Account{h.Owner, h.Editor, h.Viewer}, newcomers...) {
		listFeed(t, inst, acct, nil) // warms the auth cache
	}
	// The quiet join is a member joining again: a request that reads and changes nothing.
	code := apptest.ShareCode(t, inst, h.Owner, h.ResidenceID, "viewer")
	taskPath := fmt.Sprintf("/tasks/%d", task)
	for _, tc := range []struct {
		name          string
		quiet, events func(i int) apptest.Request
		status        int
	}{
		{
			name: "CreateAssigned",
			quiet: func(int) apptest.Request {
				return taskRequest(http.MethodPost, "/tasks", h.Editor, map[string]any{"residence_id": h.ResidenceID,
					"title": "Mine", "assigned_to": h.Editor.ID})
			},
			events: func(int) apptest.Request {
				return taskRequest(http.MethodPost, "/tasks", h.Editor, map[string]any{"residence_id": h.ResidenceID,
					"title": "Yours", "assigned_to": h.Viewer.ID})
			},
			status: http.StatusCreated,
		},
		{
			name: "UpdateAssignee",
			quiet: func(int) apptest.Request {
				return taskRequest(http.MethodPatch, taskPath, h.Editor, map[string]any{"assigned_to": h.Editor.ID})
			},
			events: func(i int) apptest.Request {
				return taskRequest(http.MethodPatch, taskPath, h.Editor,
					map[string]any{"assigned_to": []int64{h.Viewer.ID, h.Owner.ID}[i]})
			},
			status: http.StatusOK,
		},
		{
			name: "Complete",
			quiet: func(int) apptest.Request {
				return taskRequest(http.MethodPost, fmt.Sprintf("/tasks/%d/completions", soloTask), h.Owner, map[string]any{})
			},
			events: func(int) apptest.Request {
				return taskRequest(http.MethodPost, fmt.Sprintf("/tasks/%d/completions", task), h.Owner, map[string]any{})
			},
			status: http.StatusCreated,
		},
		{
			name: "Join",
			quiet: func(int) apptest.Request {
				return taskRequest(http.MethodPost, "/residences/join", h.Viewer, map[string]any{"code": code})
			},
			events: func(i int) apptest.Request {
				return taskRequest(http.MethodPost, "/residences/join", newcomers[i], map[string]any{"code": code})
			},
			status: http.StatusOK,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cost := func(req apptest.Request) (int64, []string) {
				before := inst.Stmts.Snapshot()
				r := inst.Do(t, req)
				require.Equal(t, tc.status, r.Status, string(r.Body))
				return inst.Stmts.Statements(before), inst.Stmts.Since(before)
			}
			var quiet, events int64
			var quietSQL, eventsSQL []string
			for i := range 2 {
				quiet, quietSQL = cost(tc.quiet(i))
				events, eventsSQL = cost(tc.events(i))
			}
			require.Equal(t, quiet, events, "statements of the quiet twin %q and of the request that notifies %q",
				quietSQL, eventsSQL)
		})
	}
}
