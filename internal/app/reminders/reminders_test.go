package reminders_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/reminders"
	"github.com/homekeep/homekeep/internal/testdb"
)

// reminderWorld is one test's rolled-back transaction on a migrated database, with helpers that seed it.
type reminderWorld struct {
	t  *testing.T
	tx pgx.Tx
	n  int
}

func newReminderWorld(t *testing.T, pool interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}) *reminderWorld {
	t.Helper()
	tx, err := pool.Begin(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.WithoutCancel(t.Context())) })
	return &reminderWorld{t: t, tx: tx}
}

func (w *reminderWorld) exec(sql string, args ...any) int64 {
	w.t.Helper()
	var id int64
	require.NoError(w.t, w.tx.QueryRow(w.t.Context(), sql, args...).Scan(&id), sql)
	return id
}

// user is an account in timezone tz with its reminder at hour (-1: no preferences row, the default 9).
func (w *reminderWorld) user(tz string, hour int) int64 {
	w.t.Helper()
	w.n++
	id := w.exec(`INSERT INTO users (email, password_hash, timezone) VALUES ($1, 'x', $2) RETURNING id`,
		fmt.Sprintf("u%d@example.com", w.n), tz)
	if hour >= 0 {
		w.exec(`INSERT INTO notification_preferences SELECT $1::bigint, d.*, now() FROM notification_preference_defaults d
			RETURNING user_id`, id)
		w.exec(`UPDATE notification_preferences SET reminder_hour = $2 WHERE user_id = $1 RETURNING user_id`, id, hour)
	}
	return id
}

// residence is a residence owned by owner, with members as editors.
func (w *reminderWorld) residence(owner int64, members ...int64) int64 {
	w.t.Helper()
	id := w.exec(`INSERT INTO residences (owner_id, name) VALUES ($1, 'Home') RETURNING id`, owner)
	w.exec(`INSERT INTO residence_members (residence_id, user_id, role) VALUES ($1, $2, 'owner') RETURNING user_id`, id, owner)
	for _, m := range members {
		w.exec(`INSERT INTO residence_members (residence_id, user_id, role) VALUES ($1, $2, 'editor') RETURNING user_id`, id, m)
	}
	return id
}

// task is a one-time task due on due (YYYY-MM-DD); extra is SQL assignments applied after (e.g. is_cancelled = true).
func (w *reminderWorld) task(residence int64, title, due, extra string) int64 {
	w.t.Helper()
	id := w.exec(`INSERT INTO tasks (residence_id, title, due_date) VALUES ($1, $2, $3::date) RETURNING id`, residence, title, due)
	if extra != "" {
		w.exec(`UPDATE tasks SET `+extra+` WHERE id = $1 RETURNING id`, id)
	}
	return id
}

// warranty is a warranty document expiring on expiry (YYYY-MM-DD).
func (w *reminderWorld) warranty(residence int64, title, expiry string) int64 {
	w.t.Helper()
	return w.exec(`INSERT INTO documents (residence_id, title, doc_type, expiry_date) VALUES ($1, $2, 'warranty', $3::date)
		RETURNING id`, residence, title, expiry)
}

// plan runs the planner at now (RFC 3339) with grace and returns how many feed rows it wrote.
func (w *reminderWorld) plan(now string, grace time.Duration) int64 {
	w.t.Helper()
	at, err := time.Parse(time.RFC3339, now)
	require.NoError(w.t, err)
	n, err := reminders.Plan(w.t.Context(), w.tx, at, grace)
	require.NoError(w.t, err)
	return n
}

// feed is every feed row of user as "kind: title", sorted.
func (w *reminderWorld) feed(user int64) []string {
	w.t.Helper()
	rows, err := w.tx.Query(w.t.Context(), `SELECT kind || ': ' || title FROM notifications WHERE user_id = $1`, user)
	require.NoError(w.t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(w.t, err)
	if len(got) == 0 {
		return nil
	}
	sort.Strings(got)
	return got
}

func TestPlan(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)

	t.Run("RunTwiceWritesEachReminderOnce", func(t *testing.T) {
		t.Parallel()
		w := newReminderWorld(t, pool)
		u := w.user("UTC", -1)
		r := w.residence(u)
		w.task(r, "Clean gutters", "2026-06-11", "")
		w.warranty(r, "Boiler", "2026-06-17")

		require.EqualValues(t, 2, w.plan("2026-06-10T09:05:00Z", reminders.GraceDefault), "first run")
		require.EqualValues(t, 0, w.plan("2026-06-10T09:05:00Z", reminders.GraceDefault), "same run again")
		require.EqualValues(t, 0, w.plan("2026-06-10T09:20:00Z", reminders.GraceDefault), "next period")
		require.Equal(t, []string{"task_due_soon: Due tomorrow: Clean gutters",
			"warranty_expiring: Warranty expires in 7 days: Boiler"}, w.feed(u))
		var ledger int
		require.NoError(t, w.tx.QueryRow(t.Context(), `SELECT count(*) FROM notification_ledger`).Scan(&ledger))
		require.Equal(t, 2, ledger, "the ledger remembers both")
	})

	t.Run("PurgeForgetsOnlyWhatNoRunCanReach", func(t *testing.T) {
		t.Parallel()
		w := newReminderWorld(t, pool)
		u := w.user("Pacific/Kiritimati", 9) // UTC+14: its local days run furthest ahead of UTC
		r := w.residence(u)
		w.task(r, "Clean gutters", "2026-06-11", "")
		w.warranty(r, "Boiler", "2026-06-17")
		require.EqualValues(t, 2, w.plan("2026-06-09T19:05:00Z", reminders.GraceDefault), "09:05 on June 10 there")
		occurrences := func() []string {
			rows, err := w.tx.Query(t.Context(), `SELECT occurrence::text FROM notification_ledger WHERE user_id = $1
				ORDER BY occurrence`, u)
			require.NoError(t, err)
			got, err := pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err)
			return got
		}
		purge := func(now string) int64 {
			at, err := time.Parse(time.RFC3339, now)
			require.NoError(t, err)
			n, err := reminders.Purge(t.Context(), w.tx, at, reminders.GraceDefault)
			require.NoError(t, err)
			return n
		}
		require.Zero(t, purge("2026-06-14T11:59:00Z"), "June 11 is still within reach")
		require.Equal(t, []string{"2026-06-11", "2026-06-17"}, occurrences())
		require.EqualValues(t, 1, purge("2026-06-15T12:00:00Z"))
		require.Equal(t, []string{"2026-06-17"}, occurrences(), "the warranty's occurrence is kept")
		require.Zero(t, w.plan("2026-06-15T12:00:00Z", reminders.GraceDefault), "a later run cannot plan the purged one")
	})

	// At 2026-06-10 09:05 UTC, the reminder hour (9) of a user in UTC has just come.
	t.Run("ThresholdsWriteExactlyTheirReminders", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name string
			seed func(w *reminderWorld, r int64)
			want []string
		}{
			{"TaskDueTomorrowIsDueSoon", func(w *reminderWorld, r int64) { w.task(r, "Gutters", "2026-06-11", "") },
				[]string{"task_due_soon: Due tomorrow: Gutters"}},
			{"TaskDueYesterdayIsOverdue", func(w *reminderWorld, r int64) { w.task(r, "Filter", "2026-06-09", "") },
				[]string{"task_overdue: Overdue: Filter"}},
			{"RecurringTaskUsesNextDueDate", func(w *reminderWorld, r int64) {
				w.task(r, "Smoke alarm", "2026-01-01", "interval_days = 30, next_due_date = '2026-06-11', completion_count = 5")
			}, []string{"task_due_soon: Due tomorrow: Smoke alarm"}},
			{"TaskDueTodayLaterOrLongOverdueIsNot", func(w *reminderWorld, r int64) {
				w.task(r, "Today", "2026-06-10", "")
				w.task(r, "In two days", "2026-06-12", "")
				w.task(r, "Two days ago", "2026-06-08", "")
			}, nil},
			{"CancelledArchivedOrDoneTaskIsNot", func(w *reminderWorld, r int64) {
				w.task(r, "Cancelled", "2026-06-11", "is_cancelled = true")
				w.task(r, "Archived", "2026-06-09", "is_archived = true")
				w.task(r, "Done", "2026-06-11", "completion_count = 1")
			}, nil},
			{"WarrantyIn30Days", func(w *reminderWorld, r int64) { w.warranty(r, "Roof", "2026-07-10") },
				[]string{"warranty_expiring: Warranty expires in 30 days: Roof"}},
			{"WarrantyIn7Days", func(w *reminderWorld, r int64) { w.warranty(r, "Boiler", "2026-06-17") },
				[]string{"warranty_expiring: Warranty expires in 7 days: Boiler"}},
			{"WarrantyIn1Day", func(w *reminderWorld, r int64) { w.warranty(r, "Fridge", "2026-06-11") },
				[]string{"warranty_expiring: Warranty expires in 1 day: Fridge"}},
			{"WarrantyOnOtherDaysIsNot", func(w *reminderWorld, r int64) {
				w.warranty(r, "In 2 days", "2026-06-12")
				w.warranty(r, "In 29 days", "2026-07-09")
				w.warranty(r, "Today", "2026-06-10")
				w.exec(`INSERT INTO documents (residence_id, title, doc_type, expiry_date) VALUES ($1, 'Manual', 'manual',
					'2026-06-17') RETURNING id`, r)
			}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				w := newReminderWorld(t, pool)
				u := w.user("UTC", -1)
				tc.seed(w, w.residence(u))
				w.plan("2026-06-10T09:05:00Z", reminders.GraceDefault)
				require.Equal(t, tc.want, w.feed(u))
			})
		}
	})

	t.Run("TaskRemindsItsAssigneeOrElseEveryMember", func(t *testing.T) {
		t.Parallel()
		w := newReminderWorld(t, pool)
		owner, member := w.user("UTC", -1), w.user("UTC", -1)
		r := w.residence(owner, member)
		w.task(r, "Mine", "2026-06-11", fmt.Sprintf("assigned_to = %d", member))
		w.task(r, "Ours", "2026-06-11", "")
		w.warranty(r, "Boiler", "2026-06-11")
		require.EqualValues(t, 5, w.plan("2026-06-10T09:05:00Z", reminders.GraceDefault))
		require.Equal(t, []string{"task_due_soon: Due tomorrow: Ours", "warranty_expiring: Warranty expires in 1 day: Boiler"},
			w.feed(owner))
		require.Equal(t, []string{"task_due_soon: Due tomorrow: Mine", "task_due_soon: Due tomorrow: Ours",
			"warranty_expiring: Warranty expires in 1 day: Boiler"}, w.feed(member))
	})

	// The reminder hour is the user's local hour, and "tomorrow" the user's local tomorrow, on the days the
	// clocks change: 2026-03-29 in Berlin (CET to CEST, 9:00 is 07:00 UTC, not 08:00) and 2026-11-01 in New
	// York (EDT to EST, 9:00 is 14:00 UTC, not 13:00).
	t.Run("ReminderHourIsLocalAcrossDaylightSaving", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name, tz string
			hour     int
			due, now string
			want     []string
		}{
			{"BerlinAfterSpringForwardAtLocal9", "Europe/Berlin", 9, "2026-03-30", "2026-03-29T07:05:00Z",
				[]string{"task_due_soon: Due tomorrow: Task"}},
			{"BerlinNotYet9AfterSpringForward", "Europe/Berlin", 9, "2026-03-30", "2026-03-29T06:55:00Z", nil},
			{"BerlinDayBeforeSpringForwardAtLocal9", "Europe/Berlin", 9, "2026-03-29", "2026-03-28T08:05:00Z",
				[]string{"task_due_soon: Due tomorrow: Task"}},
			{"BerlinNotYet9BeforeSpringForward", "Europe/Berlin", 9, "2026-03-29", "2026-03-28T07:55:00Z", nil},
			{"NewYorkAfterFallBackAtLocal9", "America/New_York", 9, "2026-11-02", "2026-11-01T14:05:00Z",
				[]string{"task_due_soon: Due tomorrow: Task"}},
			{"NewYorkNotYet9AfterFallBack", "America/New_York", 9, "2026-11-02", "2026-11-01T13:55:00Z", nil},
			{"NewYorkLocalEveningIsStillItsDay", "America/New_York", 21, "2026-11-02", "2026-11-02T02:05:00Z",
				[]string{"task_due_soon: Due tomorrow: Task"}},
			{"NewYorkLocalEveningIsNotTheUTCDay", "America/New_York", 21, "2026-11-03", "2026-11-02T02:05:00Z", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				w := newReminderWorld(t, pool)
				u := w.user(tc.tz, tc.hour)
				w.task(w.residence(u), "Task", tc.due, "")
				w.plan(tc.now, reminders.GraceDefault)
				require.Equal(t, tc.want, w.feed(u))
			})
		}
	})

	// A task due 2026-06-11 is reminded at 2026-06-10 09:00 UTC (reminder hour 9 in UTC).
	t.Run("MissedReminderIsCaughtUpWithinGraceOnly", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name  string
			now   string
			grace time.Duration
			want  []string
		}{
			{"HourNotComeYet", "2026-06-10T08:59:00Z", reminders.GraceDefault, nil},
			{"AtTheHour", "2026-06-10T09:00:00Z", reminders.GraceDefault, []string{"task_due_soon: Due tomorrow: Task"}},
			{"ElevenHoursLate", "2026-06-10T20:00:00Z", reminders.GraceDefault, []string{"task_due_soon: Due tomorrow: Task"}},
			{"PastTheGrace", "2026-06-10T21:01:00Z", reminders.GraceDefault, nil},
			{"NextDayIsPastTheGrace", "2026-06-11T08:00:00Z", reminders.GraceDefault, nil},
			{"ShorterGrace", "2026-06-10T10:01:00Z", time.Hour, nil},
			{"LongerGrace", "2026-06-11T08:00:00Z", 24 * time.Hour, []string{"task_due_soon: Due tomorrow: Task"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				w := newReminderWorld(t, pool)
				u := w.user("UTC", -1)
				w.task(w.residence(u), "Task", "2026-06-11", "")
				w.plan(tc.now, tc.grace)
				require.Equal(t, tc.want, w.feed(u))
			})
		}
	})

	t.Run("UserWhoseHourHasNotComeGetsNothing", func(t *testing.T) {
		t.Parallel()
		w := newReminderWorld(t, pool)
		early, late := w.user("UTC", 8), w.user("UTC", 18)
		r := w.residence(early, late)
		w.task(r, "Task", "2026-06-11", "")
		require.EqualValues(t, 1, w.plan("2026-06-10T09:05:00Z", reminders.GraceDefault))
		require.Equal(t, []string{"task_due_soon: Due tomorrow: Task"}, w.feed(early))
		require.Empty(t, w.feed(late))
		require.EqualValues(t, 1, w.plan("2026-06-10T18:05:00Z", reminders.GraceDefault), "the later user's hour comes")
		require.Equal(t, []string{"task_due_soon: Due tomorrow: Task"}, w.feed(late))
	})
}
