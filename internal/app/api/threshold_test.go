package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// frequencyID returns the id of the seeded frequency with this name.
func frequencyID(t *testing.T, inst *apptest.Instance, acct apptest.Account, name string) int64 {
	t.Helper()
	data := apptest.Expect[client.StaticData](t, inst, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token}, http.StatusOK)
	for _, f := range data.TaskFrequencies {
		if f.Name == name {
			return f.ID
		}
	}
	t.Fatalf("no seeded frequency %q in %+v", name, data.TaskFrequencies)
	return 0
}

// TestDaysThreshold checks the one rule for the "due soon" column: a per-user threshold (30 days unless the
// user changed it) that the boards and every single card use, which days_threshold on a board request
// overrides for that request only.
func TestDaysThreshold(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})

	t.Run("DefaultIsThirtyDays", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		me := apptest.Expect[client.User](t, inst, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token}, http.StatusOK)
		require.EqualValues(t, 30, me.DaysThreshold, "a new user's threshold")
		var b client.Board
		inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: acct.Token}).JSON(t, &b)
		require.EqualValues(t, 30, b.DaysThreshold, "the board without days_threshold uses the user's setting")
	})

	// For a task due in 20 days: due_soon at a threshold of 30, upcoming at 7. Every card the user gets back
	// must agree with the board that user sees.
	for _, tt := range []struct {
		threshold        int
		want, overridden string
	}{
		{7, "upcoming", "due_soon"},
		{30, "due_soon", "upcoming"},
	} {
		t.Run(fmt.Sprintf("CardsAgreeWithTheBoardAt%dDays", tt.threshold), func(t *testing.T) {
			t.Parallel()
			acct := inst.Register(t)
			me := apptest.Expect[client.User](t, inst, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: acct.Token,
				Body: map[string]any{"days_threshold": tt.threshold}}, http.StatusOK)
			require.EqualValues(t, tt.threshold, me.DaysThreshold, "PATCH /auth/me returns the new threshold")
			me = apptest.Expect[client.User](t, inst, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token}, http.StatusOK)
			require.EqualValues(t, tt.threshold, me.DaysThreshold, "GET /auth/me returns the new threshold")

			rid := apptest.CreateResidence(t, inst, acct, "Threshold home")
			in20 := time.Now().UTC().AddDate(0, 0, 20).Format("2006-01-02")
			card := apptest.Expect[client.Task](t, inst, apptest.Request{Method: http.MethodPost, Path: "/tasks", Token: acct.Token,
				Body: map[string]any{"residence_id": rid, "title": "Due in 20 days", "due_date": in20}}, http.StatusCreated)
			require.EqualValues(t, tt.want, card.Column, "create")
			id := card.ID

			var board client.Board
			inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: acct.Token}).JSON(t, &board)
			require.EqualValues(t, tt.threshold, board.DaysThreshold, "board")
			require.Equal(t, tt.want, apptest.ColumnOf(board, id), "board")
			var residenceBoard client.Board
			inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/residences/%d/tasks", rid), Token: acct.Token}).JSON(t, &residenceBoard)
			require.EqualValues(t, tt.threshold, residenceBoard.DaysThreshold, "residence board")
			require.Equal(t, tt.want, apptest.ColumnOf(residenceBoard, id), "residence board")

			for _, req := range []apptest.Request{
				{Method: http.MethodGet, Path: fmt.Sprintf("/tasks/%d", id)},
				{Method: http.MethodPatch, Path: fmt.Sprintf("/tasks/%d", id), Body: map[string]any{"title": "Still due in 20 days"}},
				{Method: http.MethodPost, Path: fmt.Sprintf("/tasks/%d/not-in-progress", id)},
				{Method: http.MethodPost, Path: fmt.Sprintf("/tasks/%d/uncancel", id)},
				{Method: http.MethodPost, Path: fmt.Sprintf("/tasks/%d/unarchive", id)},
			} {
				req.Token = acct.Token
				got := apptest.Expect[client.Task](t, inst, req, http.StatusOK)
				require.EqualValues(t, tt.want, got.Column, "%s %s", req.Method, req.Path)
			}

			// A weekly task anchored on its due date, due in 13 days, is next due in 20 once completed.
			weekly := apptest.Expect[client.Task](t, inst, apptest.Request{Method: http.MethodPost, Path: "/tasks", Token: acct.Token,
				Body: map[string]any{"residence_id": rid, "title": "Weekly", "frequency_id": frequencyID(t, inst, acct, "Weekly"),
					"recurrence_anchor": "due_date", "due_date": time.Now().UTC().AddDate(0, 0, 13).Format("2006-01-02")}}, http.StatusCreated)
			done := apptest.Expect[client.CompletionResult](t, inst, apptest.Request{Method: http.MethodPost, Path: fmt.Sprintf("/tasks/%d/completions", weekly.ID), Token: acct.Token,
				Body: map[string]any{}}, http.StatusCreated)
			require.EqualValues(t, tt.want, done.Task.Column, "completion")

			contractor := apptest.CreateContractor(t, inst, acct, map[string]any{"residence_id": rid, "name": "Fixer"})
			apptest.Expect[client.Task](t, inst, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/tasks/%d", id), Token: acct.Token,
				Body: map[string]any{"contractor_id": contractor.ID}}, http.StatusOK)
			cards := apptest.Expect[[]client.Task](t, inst, apptest.Request{Method: http.MethodGet,
				Path: fmt.Sprintf("/contractors/%d/tasks", contractor.ID), Token: acct.Token}, http.StatusOK)
			require.Len(t, cards, 1)
			require.EqualValues(t, tt.want, cards[0].Column, "contractor's tasks")

			other := 37 - tt.threshold // 30 for 7, 7 for 30
			var overridden client.Board
			inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/tasks?days_threshold=%d", other), Token: acct.Token}).JSON(t, &overridden)
			require.EqualValues(t, other, overridden.DaysThreshold, "days_threshold on the request overrides the setting")
			require.Equal(t, tt.overridden, apptest.ColumnOf(overridden, id))
			got := apptest.Expect[client.Task](t, inst, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/tasks/%d", id), Token: acct.Token}, http.StatusOK)
			require.EqualValues(t, tt.want, got.Column, "the override lasts one request")
		})
	}

	t.Run("PatchRejectsOutOfRangeNamingTheField", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		for _, v := range []any{0, -1, 366, 100000, "7", 7.5, nil} {
			r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: acct.Token, Invalid: true,
				Body: map[string]any{"days_threshold": v}})
			require.Equal(t, http.StatusBadRequest, r.Status, "days_threshold=%v: %s", v, r.Body)
			require.Contains(t, r.Err(t).Error.Fields.Value, "days_threshold", "days_threshold=%v", v)
		}
		me := apptest.Expect[client.User](t, inst, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token}, http.StatusOK)
		require.EqualValues(t, 30, me.DaysThreshold, "a refused change changes nothing")
		for _, v := range []int{1, 365} {
			me := apptest.Expect[client.User](t, inst, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: acct.Token,
				Body: map[string]any{"days_threshold": v}}, http.StatusOK)
			require.EqualValues(t, v, me.DaysThreshold, "the bounds are allowed")
		}
	})

	t.Run("CardReadsTheThresholdWithoutAnotherStatement", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{}) // its own instance: the statement counter is per process
		acct := inst.Register(t)
		apptest.Expect[client.User](t, inst, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: acct.Token,
			Body: map[string]any{"days_threshold": 7}}, http.StatusOK)
		rid := apptest.CreateResidence(t, inst, acct, "Counted")
		id := apptest.CreateTask(t, inst, acct, map[string]any{"residence_id": rid, "title": "t",
			"due_date": time.Now().UTC().AddDate(0, 0, 20).Format("2006-01-02")})
		before := inst.Stmts.Snapshot()
		got := apptest.Expect[client.Task](t, inst, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/tasks/%d", id), Token: acct.Token}, http.StatusOK)
		require.EqualValues(t, "upcoming", got.Column)
		require.Equal(t, int64(1), inst.Stmts.RoundTrips(before), "statements: %q", inst.Stmts.Since(before))
	})
}
