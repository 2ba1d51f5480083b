package service_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/reminders"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/testwait"
)

// sendJobStates counts the notification_send jobs of the notifications to user (0: anyone's) by state.
func sendJobStates(t *testing.T, pool *pgxpool.Pool, user int64) map[string]int {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT j.state::text, count(*) FROM river_job j
		JOIN notifications n ON n.id = (j.args->>'notification_id')::bigint
		WHERE j.kind = 'notification_send' AND (n.user_id = $1 OR $1 = 0) GROUP BY j.state`, user)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		require.NoError(t, rows.Scan(&state, &n))
		out[state] = n
	}
	require.NoError(t, rows.Err())
	return out
}

// reminderDue seeds a verified account in UTC whose reminder hour is the current hour, owning a residence
// with a task due tomorrow: a planner run now writes one task_due_soon reminder for it.
func reminderDue(t *testing.T, pool *pgxpool.Pool) (email string) {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC()
	email = fmt.Sprintf("reminded-%d@example.com", now.UnixNano())
	var user, home int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO users (email, password_hash, email_verified_at, timezone_set)
		VALUES ($1, 'x', now(), true) RETURNING id`, email).Scan(&user))
	_, err := pool.Exec(ctx, `INSERT INTO notification_preferences SELECT $1::bigint, d.*, now() FROM notification_preference_defaults d`, user)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE notification_preferences SET reminder_hour = $2 WHERE user_id = $1`, user, now.Hour())
	require.NoError(t, err)
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO residences (owner_id, name) VALUES ($1, 'Home') RETURNING id`, user).Scan(&home))
	_, err = pool.Exec(ctx, `INSERT INTO residence_members (residence_id, user_id, role) VALUES ($1, $2, 'owner')`, home, user)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO tasks (residence_id, title, due_date) VALUES ($1, 'Clean the gutters', $2::date)`,
		home, now.AddDate(0, 0, 1).Format(time.DateOnly))
	require.NoError(t, err)
	return email
}

// TestReminderIsSentOnceWhateverHappens: the planner runs twice, the process that planned dies before
// sending, and a worker started afterwards (whose leader runs the planner again at start) sends the
// reminder's email exactly once.
func TestReminderIsSentOnceWhateverHappens(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	dbURL := testdb.New(t)
	pool, err := pgxpool.New(t.Context(), dbURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	email := reminderDue(t, pool)

	// A process plans, twice (two leaders in turn, or a retried run), and dies before any send: nothing but
	// the committed rows is left of it.
	now := time.Now()
	n, err := reminders.Plan(t.Context(), pool, now, reminders.GraceDefault)
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "the reminder is planned")
	n, err = reminders.Plan(t.Context(), pool, now.Add(time.Second), reminders.GraceDefault)
	require.NoError(t, err)
	require.Zero(t, n, "the second run plans nothing")
	require.Equal(t, map[string]int{"available": 1}, sendJobStates(t, pool, 0), "one send, queued with the ledger row")

	startWorker(t, dbURL, func(c *config.Config) { c.SMTPURL, c.MailFrom = smtp.URL, "Homekeep <no-reply@homekeep.test>" })
	msg := smtp.Next(t, email)
	require.Contains(t, msg.Subject, "Due tomorrow: Clean the gutters")
	testwait.Until(t, 10*time.Second, func() bool { return sendJobStates(t, pool, 0)["completed"] == 1 },
		"the send job completes")
	time.Sleep(time.Second) // the worker's own planner run at start, and anything it might enqueue
	require.Zero(t, smtp.Count(email), "exactly once")
	require.Equal(t, map[string]int{"completed": 1}, sendJobStates(t, pool, 0))
	var planned int
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM notification_ledger").Scan(&planned))
	require.Equal(t, 1, planned)
}

// TestServeWithoutWorkersQueuesNotifications: `homekeep serve` with WORKERS=false writes an assignment's feed
// row and queues its email, and sends nothing; a worker sends it. An assignment whose statement fails writes
// no feed row and queues nothing.
func TestServeWithoutWorkersQueuesNotifications(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	dbURL := testdb.New(t)
	pool, err := pgxpool.New(t.Context(), dbURL)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	api := apptest.Start(t, apptest.Options{DatabaseURL: dbURL, Configure: func(c *config.Config) {
		apptest.WithSMTP(smtp)(c)
		c.Workers = false
	}})
	owner, assignee := api.Register(t), api.Register(t)
	startWorker(t, dbURL, func(c *config.Config) { c.SMTPURL, c.MailFrom = smtp.URL, "Homekeep <no-reply@homekeep.test>" })
	code := smtp.Next(t, assignee.Email).Code(t) // the worker sends the verification email
	r := api.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/verify-email", Token: assignee.Token,
		Body: map[string]any{"code": code}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	home := apptest.CreateResidence(t, api, owner, "Home")
	apptest.Join(t, api, assignee, apptest.ShareCode(t, api, owner, home, "editor"))
	task := apptest.CreateTask(t, api, owner, map[string]any{"residence_id": home, "title": "Service the boiler"})

	r = api.Do(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/tasks/%d", task), Token: owner.Token,
		Body: map[string]any{"assigned_to": assignee.ID, "category_id": 999999}})
	require.Equal(t, http.StatusBadRequest, r.Status, "an unknown category fails the statement: %s", r.Body)
	var feed int
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM notifications WHERE user_id = $1", assignee.ID).Scan(&feed))
	require.Zero(t, feed, "the failed assignment wrote no feed row")
	require.Empty(t, sendJobStates(t, pool, assignee.ID), "and queued nothing")

	r = api.Do(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/tasks/%d", task), Token: owner.Token,
		Body: map[string]any{"assigned_to": assignee.ID}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	msg := smtp.Next(t, assignee.Email)
	require.Contains(t, msg.Text, "Service the boiler")
	testwait.Until(t, 10*time.Second, func() bool { return sendJobStates(t, pool, assignee.ID)["completed"] == 1 },
		"the worker worked the send")
	time.Sleep(500 * time.Millisecond)
	require.Zero(t, smtp.Count(assignee.Email), "delivered once")
	require.Equal(t, map[string]int{"completed": 1}, sendJobStates(t, pool, assignee.ID))
}
