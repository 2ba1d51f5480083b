package admin_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// TestDashboard: every number equals what the test set up in a fresh database.
func TestDashboard(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	viewer := inst.SignInAdmin(t, "viewer")

	// Users: fresh (signed in now), last active 20 days ago, and 40 days ago.
	fresh, month, old := inst.Register(t), inst.Register(t), inst.Register(t)
	for who, ago := range map[int64]string{month.ID: "20 days", old.ID: "40 days"} {
		apptest.DBExec(t, inst, `UPDATE users SET last_login_at = now() - $2::interval WHERE id = $1`, who, ago)
		apptest.DBExec(t, inst, `UPDATE auth_tokens SET last_used_at = now() - $2::interval WHERE user_id = $1`, who, ago)
	}

	home := apptest.CreateResidence(t, inst, fresh, "Home")
	apptest.CreateResidence(t, inst, old, "Cabin")
	day := func(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly) }
	task := func(title string, extra map[string]any) int64 {
		body := map[string]any{"residence_id": home, "title": title}
		for k, v := range extra {
			body[k] = v
		}
		return apptest.CreateTask(t, inst, fresh, body)
	}
	task("Overdue 1", map[string]any{"due_date": day(-3)})
	task("Overdue 2", map[string]any{"due_date": day(-10)})
	task("Due soon", map[string]any{"due_date": day(5)})
	task("Upcoming", nil)
	task("Later", map[string]any{"due_date": day(90)})
	busy := task("In progress", map[string]any{"due_date": day(1)})
	apptest.DBExec(t, inst, `UPDATE tasks SET in_progress = true WHERE id = $1`, busy)
	gone := task("Cancelled", nil)
	apptest.DBExec(t, inst, `UPDATE tasks SET is_cancelled = true WHERE id = $1`, gone)
	done := task("Done once", nil)
	apptest.CompleteTask(t, inst, fresh, done, nil)
	// A completion older than 30 days is not counted; one two days ago is, on its day.
	apptest.DBExec(t, inst, `INSERT INTO task_completions (task_id, completed_at) VALUES ($1, now() - interval '40 days')`, busy)
	apptest.DBExec(t, inst, `INSERT INTO task_completions (task_id, completed_at) VALUES ($1, date_trunc('day', now(), 'UTC') - interval '2 days' + interval '1 hour')`, busy)

	apptest.DBExec(t, inst, `INSERT INTO documents (residence_id, title, size_bytes) VALUES ($1, 'Manual', 1500), ($1, 'Receipt', 2500), ($1, 'Note', NULL)`, home)
	apptest.DBExec(t, inst, `INSERT INTO notification_devices (user_id, platform, token) VALUES
		($1, 'ios', 'a'), ($1, 'ios', 'b'), ($1, 'android', 'c'), ($1, 'web', 'd')`, fresh.ID)
	apptest.DBExec(t, inst, `UPDATE notification_devices SET is_active = false WHERE token = 'd'`)
	jobs := map[string]int64{}
	apptest.DBQuery(t, inst, `SELECT state::text, count(*) FROM river_job GROUP BY 1`, nil, func(scan func(...any) error) {
		var state string
		var n int64
		require.NoError(t, scan(&state, &n))
		jobs[state] = n
	})

	d := adminExpect[adminoas.Dashboard](t, inst, viewer, http.MethodGet, "/dashboard", nil, http.StatusOK)
	require.Equal(t, adminoas.DashboardUsers{Total: 3, Active7d: 1, Active30d: 2}, d.Users)
	require.EqualValues(t, 2, d.Residences)
	require.Equal(t, adminoas.DashboardTaskColumns{Overdue: 2, DueSoon: 1, Upcoming: 2, InProgress: 1, Completed: 1, Cancelled: 1},
		d.TasksByColumn)
	require.EqualValues(t, 2, d.Completions30d)
	require.Len(t, d.Daily, 30)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var completions, signUps int64
	for i, dd := range d.Daily {
		require.Equal(t, today.AddDate(0, 0, i-29).Format(time.DateOnly), dd.Date.Format(time.DateOnly), "day %d", i)
		completions += dd.Completions
		signUps += dd.SignUps
	}
	require.EqualValues(t, 1, d.Daily[27].Completions, "the completion two days ago")
	require.EqualValues(t, 1, d.Daily[29].Completions, "today's completion")
	require.EqualValues(t, 3, d.Daily[29].SignUps, "three accounts created today")
	require.EqualValues(t, 2, completions, "nothing outside the 30 days")
	require.EqualValues(t, 3, signUps)
	require.Equal(t, adminoas.DashboardDocuments{Count: 3, Bytes: 4000}, d.Documents)
	require.Equal(t, adminoas.DashboardDevicesByPlatform{"ios": 2, "android": 1}, d.DevicesByPlatform, "inactive devices are not counted")
	require.Equal(t, adminoas.DashboardJobsByState(jobs), d.JobsByState)

	before := inst.Stmts.Snapshot()
	adminExpect[adminoas.Dashboard](t, inst, viewer, http.MethodGet, "/dashboard", nil, http.StatusOK)
	var reads []string
	for _, sql := range inst.Stmts.Since(before) {
		if !strings.Contains(sql, "admin_tokens") { // the token's lookup
			reads = append(reads, sql)
		}
	}
	require.Len(t, reads, 1, "the dashboard is one statement: %v", reads)
}
