package admin_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

type jobReport struct {
	Counts []struct {
		Kind, State string
		Jobs        int64
	} `json:"counts"`
	Errors []struct {
		Kind    string `json:"kind"`
		Attempt int    `json:"attempt"`
		Error   string `json:"error"`
	} `json:"errors"`
}

// TestJobsReport: GET /jobs counts jobs by kind and state and lists the last error of a failed job, newest
// first, bounded by ?errors=; a viewer may read it.
func TestJobsReport(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	viewer := inst.SignInAdmin(t, "viewer")
	for i, msg := range []string{"gateway said 503", "gateway said 502"} {
		apptest.DBExec(t, inst, `INSERT INTO river_job (kind, args, state, attempt, max_attempts, queue, errors, created_at)
			VALUES ('test_kind', '{}', 'retryable', 1, 5, 'default',
			        ARRAY[jsonb_build_object('at', now() + make_interval(secs => $2), 'attempt', 1, 'error', $1::text)], now())`,
			msg, i)
	}
	apptest.DBExec(t, inst, `INSERT INTO river_job (kind, args, state, max_attempts, queue) VALUES ('test_kind', '{}', 'available', 5, 'default')`)

	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/jobs", Token: viewer.Token})
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	var rep jobReport
	r.JSON(t, &rep)
	got := map[string]int64{}
	for _, c := range rep.Counts {
		if c.Kind == "test_kind" {
			got[c.State] = c.Jobs
		}
	}
	require.Equal(t, map[string]int64{"retryable": 2, "available": 1}, got)
	require.Len(t, rep.Errors, 2)
	require.Equal(t, "gateway said 502", rep.Errors[0].Error, "newest first")
	require.Equal(t, 1, rep.Errors[0].Attempt)

	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/jobs?errors=1", Token: viewer.Token})
	r.JSON(t, &rep)
	require.Len(t, rep.Errors, 1)
	r = inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/jobs?errors=101", Token: viewer.Token, Invalid: true})
	require.Equal(t, http.StatusBadRequest, r.Status)
}
