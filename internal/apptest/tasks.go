package apptest

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
)

// CreateTask creates a task from body as acct and returns its id.
func CreateTask(t *testing.T, inst *Instance, acct Account, body map[string]any) int64 {
	t.Helper()
	r := inst.Do(t, Request{Method: http.MethodPost, Path: "/tasks", Token: acct.Token, Body: body})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var task client.Task
	r.JSON(t, &task)
	return task.ID
}

// GetTask returns task id as acct sees it.
func GetTask(t *testing.T, inst *Instance, acct Account, id int64) client.Task {
	t.Helper()
	return Expect[client.Task](t, inst, Request{Method: http.MethodGet, Path: fmt.Sprintf("/tasks/%d", id), Token: acct.Token}, http.StatusOK)
}

// CompleteTask completes task id as acct, with body when it is not nil.
func CompleteTask(t *testing.T, inst *Instance, acct Account, id int64, body map[string]any) client.CompletionResult {
	t.Helper()
	req := Request{Method: http.MethodPost, Path: fmt.Sprintf("/tasks/%d/completions", id), Token: acct.Token}
	if body != nil {
		req.Body = body
	}
	r := inst.Do(t, req)
	require.Equal(t, http.StatusCreated, r.Status, "complete task: %s", r.Body)
	var res client.CompletionResult
	r.JSON(t, &res)
	return res
}

// ListCompletions lists task id's completions as acct sees them.
func ListCompletions(t *testing.T, inst *Instance, acct Account, id int64) []client.Completion {
	t.Helper()
	r := inst.Do(t, Request{Method: http.MethodGet, Path: fmt.Sprintf("/tasks/%d/completions", id), Token: acct.Token})
	require.Equal(t, http.StatusOK, r.Status, "list completions: %s", r.Body)
	var list []client.Completion
	r.JSON(t, &list)
	return list
}

// ResidenceBoard returns one residence's board as acct sees it.
func ResidenceBoard(t *testing.T, inst *Instance, acct Account, residenceID int64) client.Board {
	t.Helper()
	return Expect[client.Board](t, inst, Request{Method: http.MethodGet, Path: fmt.Sprintf("/residences/%d/tasks", residenceID), Token: acct.Token}, http.StatusOK)
}
