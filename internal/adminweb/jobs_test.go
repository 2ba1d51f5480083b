package adminweb_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestJobsPage shows the queue's counts and a failed job's last error, HTML-escaped.
func TestJobsPage(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	apptest.DBExec(t, inst, `INSERT INTO river_job (kind, args, state, attempt, max_attempts, queue, errors)
		VALUES ('push_test', '{}', 'retryable', 2, 10, 'default',
		        ARRAY[jsonb_build_object('at', now(), 'attempt', 2, 'error', '<gateway> said 503')])`)
	b := newBrowser(t, inst)
	b.signIn(inst.SignInAdmin(t, "viewer"))
	page := b.do(http.MethodGet, "/admin/jobs", nil, nil)
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.body, "<td>push_test</td><td>retryable</td><td class=\"num\">1</td>")
	require.Contains(t, page.body, "2 of 10")
	require.Contains(t, page.body, "&lt;gateway&gt; said 503", "errors are escaped")
}
