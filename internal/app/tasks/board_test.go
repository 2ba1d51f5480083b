package tasks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/testdb"
)

// TestTaskColumnRules checks task_column, the one definition of the board's columns, at its boundaries.
// "Today" is computed from a fixed instant in a residence timezone exactly as the board query computes it.
func TestTaskColumnRules(t *testing.T) {
	t.Parallel()
	pool := testdb.Pool(t)
	type task struct {
		cancelled, archived, inProgress bool
		intervalDays                    *int
		completions                     int
		due                             string // effective due date, "" for none
	}
	weekly := 7
	tests := []struct {
		name      string
		task      task
		now       string // an instant
		tz        string
		threshold int
		want      string
	}{
		{"NoDateIsUpcoming", task{}, "2026-06-01T12:00:00Z", "UTC", 30, "upcoming"},
		{"DueYesterdayIsOverdue", task{due: "2026-05-31"}, "2026-06-01T12:00:00Z", "UTC", 30, "overdue"},
		{"DueTodayIsDueSoonNotOverdue", task{due: "2026-06-01"}, "2026-06-01T23:59:59Z", "UTC", 30, "due_soon"},
		{"DueOnThresholdDayIsDueSoon", task{due: "2026-07-01"}, "2026-06-01T12:00:00Z", "UTC", 30, "due_soon"},
		{"DueDayAfterThresholdIsUpcoming", task{due: "2026-07-02"}, "2026-06-01T12:00:00Z", "UTC", 30, "upcoming"},
		{"ThresholdOfOneDay", task{due: "2026-06-03"}, "2026-06-01T12:00:00Z", "UTC", 1, "upcoming"},
		{"CancelledBeatsEverything", task{cancelled: true, archived: true, inProgress: true, due: "2020-01-01"}, "2026-06-01T12:00:00Z", "UTC", 30, "cancelled"},
		{"CancelledAndInProgressIsCancelled", task{cancelled: true, inProgress: true}, "2026-06-01T12:00:00Z", "UTC", 30, "cancelled"},
		{"ArchivedIsCompleted", task{archived: true, inProgress: true, due: "2020-01-01"}, "2026-06-01T12:00:00Z", "UTC", 30, "completed"},
		{"OneTimeWithCompletionIsCompleted", task{completions: 1, due: "2020-01-01"}, "2026-06-01T12:00:00Z", "UTC", 30, "completed"},
		{"RecurringAfterCompletionFollowsNextDue", task{intervalDays: &weekly, completions: 3, due: "2026-06-05"}, "2026-06-01T12:00:00Z", "UTC", 30, "due_soon"},
		{"RecurringOverdueStaysOverdue", task{intervalDays: &weekly, completions: 3, due: "2026-05-01"}, "2026-06-01T12:00:00Z", "UTC", 30, "overdue"},
		{"InProgressBeatsOverdue", task{inProgress: true, due: "2020-01-01"}, "2026-06-01T12:00:00Z", "UTC", 30, "in_progress"},
		// 2026-06-01T05:00Z is still May 31 in New York (UTC-4), so a task due June 1 is not yet overdue there
		// and one due May 31 is due today.
		{"NewYorkBeforeLocalMidnight", task{due: "2026-05-31"}, "2026-06-01T03:30:00Z", "America/New_York", 30, "due_soon"},
		{"NewYorkAfterLocalMidnight", task{due: "2026-05-31"}, "2026-06-01T04:30:00Z", "America/New_York", 30, "overdue"},
		// Already June 2 in Auckland (UTC+12) while UTC is still June 1.
		{"AucklandAheadOfUTC", task{due: "2026-06-01"}, "2026-06-01T12:30:00Z", "Pacific/Auckland", 30, "overdue"},
		// New York springs forward on 2026-03-08 at 02:00 local (07:00Z): local midnight moves by an hour,
		// the local date does not jump or repeat.
		{"DSTStartEveningBefore", task{due: "2026-03-07"}, "2026-03-08T04:59:00Z", "America/New_York", 30, "due_soon"},
		{"DSTStartAfterMidnight", task{due: "2026-03-07"}, "2026-03-08T05:01:00Z", "America/New_York", 30, "overdue"},
		{"DSTStartDayIsOneDay", task{due: "2026-03-08"}, "2026-03-09T03:59:00Z", "America/New_York", 30, "due_soon"},
		{"DSTEndRepeatedHour", task{due: "2026-11-01"}, "2026-11-02T04:59:00Z", "America/New_York", 30, "due_soon"},
		{"DSTEndNextDay", task{due: "2026-11-01"}, "2026-11-02T05:01:00Z", "America/New_York", 30, "overdue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var due *string
			if tt.task.due != "" {
				due = &tt.task.due
			}
			var got string
			err := pool.QueryRow(context.Background(), `SELECT task_column($1, $2, $3, $4, $5, $6::date,
				($7::timestamptz AT TIME ZONE $8)::date, $9)`,
				tt.task.cancelled, tt.task.archived, tt.task.intervalDays, tt.task.completions, tt.task.inProgress,
				due, tt.now, tt.tz, tt.threshold).Scan(&got)
			require.NoError(t, err)
			require.Equal(t, tt.want, got, "task %+v at %s in %s", tt.task, tt.now, tt.tz)
		})
	}
}

func TestBoard(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})

	t.Run("OneStatementForThreeResidencesWhenAuthIsWarm", func(t *testing.T) {
		t.Parallel()
		inst := apptest.Start(t, apptest.Options{}) // its own instance: the statement counter is per process
		acct := inst.Register(t)
		for i := range 3 {
			rid := apptest.CreateResidence(t, inst, acct, fmt.Sprintf("Home %d", i))
			for j := range 4 {
				apptest.CreateTask(t, inst, acct, map[string]any{"residence_id": rid, "title": fmt.Sprintf("Task %d.%d", i, j),
					"due_date": time.Now().AddDate(0, 0, j*20-10).Format("2006-01-02")})
			}
		}
		// Auth and the caller's residence list are warm; another threshold is a board not built yet.
		inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: acct.Token})
		before := inst.Stmts.Snapshot()
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/tasks?days_threshold=29", Token: acct.Token})
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, int64(1), inst.Stmts.RoundTrips(before), "statements: %q", inst.Stmts.Since(before))
		var b client.Board
		r.JSON(t, &b)
		total := 0
		names := []string{}
		for _, c := range b.Columns {
			names = append(names, string(c.Name))
			require.EqualValues(t, len(c.Tasks), c.Count)
			total += int(c.Count)
		}
		require.Equal(t, []string{"overdue", "in_progress", "due_soon", "upcoming", "completed", "cancelled"}, names)
		require.Equal(t, 12, total, "every task of the 3 residences, each in exactly one column")
	})

	t.Run("TodayIsTheResidenceLocalDate", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		for _, tz := range []string{"Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "America/St_Johns"} {
			loc, err := time.LoadLocation(tz)
			require.NoError(t, err)
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
				Body: map[string]any{"name": tz, "timezone": tz}})
			var res client.Residence
			r.JSON(t, &res)
			for {
				today := time.Now().In(loc).Format(time.DateOnly)
				dueToday := apptest.CreateTask(t, inst, acct, map[string]any{"residence_id": res.ID, "title": "today " + tz,
					"due_date": today})
				dueYesterday := apptest.CreateTask(t, inst, acct, map[string]any{"residence_id": res.ID, "title": "yesterday " + tz,
					"due_date": time.Now().In(loc).AddDate(0, 0, -1).Format(time.DateOnly)})
				var b client.Board
				inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/residences/%d/tasks", res.ID), Token: acct.Token}).JSON(t, &b)
				if time.Now().In(loc).Format(time.DateOnly) != today {
					continue // local midnight passed during the check, and the server's today with it: check the new day
				}
				require.Equal(t, "due_soon", apptest.ColumnOf(b, dueToday), "due today in %s", tz)
				require.Equal(t, "overdue", apptest.ColumnOf(b, dueYesterday), "due yesterday in %s", tz)
				break
			}
		}
	})

	t.Run("ResidenceBoardIs404WhenNotAccessible", func(t *testing.T) {
		t.Parallel()
		owner, stranger := inst.Register(t), inst.Register(t)
		rid := apptest.CreateResidence(t, inst, owner, "Private")
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/residences/%d/tasks", rid), Token: stranger.Token})
		require.Equal(t, http.StatusNotFound, r.Status)
	})

	t.Run("ThresholdOutOfRangeIsRejected", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		for _, v := range []string{"0", "366", "abc"} {
			r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/tasks?days_threshold=" + v, Token: acct.Token, Invalid: true})
			require.Equal(t, http.StatusBadRequest, r.Status, v)
			require.Contains(t, r.Err(t).Error.Fields.Value, "days_threshold")
		}
	})

	t.Run("ResidenceCountsMatchTheBoard", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		rid := apptest.CreateResidence(t, inst, acct, "Counted")
		for _, days := range []int{-3, -1, 0, 5, 29, 31, 90} {
			apptest.CreateTask(t, inst, acct, map[string]any{"residence_id": rid, "title": fmt.Sprintf("d%d", days),
				"due_date": time.Now().UTC().AddDate(0, 0, days).Format("2006-01-02")})
		}
		var res client.Residence
		inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/residences/%d", rid), Token: acct.Token}).JSON(t, &res)
		require.EqualValues(t, 2, res.OverdueCount)
		require.EqualValues(t, 3, res.DueSoonCount)
	})
}

// TestBoardQueryPlans generates 100,000 tasks across 2,000 residences and checks that the board query and
// the single-task access check use indexes, never a sequential scan of tasks.
func TestBoardQueryPlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t)
	_, err := pool.Exec(ctx, `
		INSERT INTO users (email, password_hash) SELECT 'u' || g || '@example.com', 'x' FROM generate_series(1, 1000) g;
		INSERT INTO residences (owner_id, name) SELECT 1 + (g % 1000), 'r' || g FROM generate_series(1, 2000) g;
		INSERT INTO residence_members (residence_id, user_id, role) SELECT id, owner_id, 'owner' FROM residences;
		INSERT INTO tasks (residence_id, title, due_date)
			SELECT 1 + (g % 2000), 't' || g, current_date + (g % 400) - 200 FROM generate_series(1, 100000) g;
		ANALYZE users; ANALYZE residences; ANALYZE residence_members; ANALYZE tasks;`)
	require.NoError(t, err)
	var userID int64
	require.NoError(t, pool.QueryRow(ctx, "SELECT owner_id FROM residences WHERE id = 1").Scan(&userID))

	board := dbsqlc.TaskBoard
	tests := []struct {
		name string
		sql  string
		args []any
	}{
		{"Board", board, []any{30, userID, nil}},
		{"ResidenceBoard", board, []any{30, userID, int64(1)}},
		{"SingleTask", dbsqlc.TaskGet, []any{30, int64(12345), userID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var plan []byte
			require.NoError(t, pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+tt.sql, append([]any{pgx.QueryExecModeExec}, tt.args...)...).Scan(&plan))
			var nodes []map[string]any
			require.NoError(t, json.Unmarshal(plan, &nodes))
			scans := map[string]string{}
			var walk func(n map[string]any)
			walk = func(n map[string]any) {
				if rel, ok := n["Relation Name"].(string); ok {
					scans[rel] += n["Node Type"].(string) + ";"
				}
				if kids, ok := n["Plans"].([]any); ok {
					for _, k := range kids {
						walk(k.(map[string]any))
					}
				}
			}
			walk(nodes[0]["Plan"].(map[string]any))
			require.Contains(t, scans, "tasks", "plan: %s", plan)
			require.NotContains(t, scans["tasks"], "Seq Scan", "tasks must be read through an index: %s", plan)
			require.NotContains(t, scans["residence_members"], "Seq Scan", "membership through an index: %s", plan)
		})
	}
}

// TestBoardETagIsTheSameOnEveryInstance checks that two processes sharing a Valkey tag the same board alike,
// so a client behind a load balancer keeps getting 304s whichever instance answers, and that the tag does
// not depend on which of the two board endpoints served it when the cards are the same. (Without Valkey each
// process keeps board versions of its own, and their tags differ.)
func TestBoardETagIsTheSameOnEveryInstance(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	one := apptest.Start(t, apptest.Options{ValkeyURL: url, KeyPrefix: prefix})
	two := apptest.Start(t, apptest.Options{DatabaseURL: one.DatabaseURL, NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
	acct := one.Register(t)
	rid := apptest.CreateResidence(t, one, acct, "Shared")
	for j := range 5 {
		apptest.CreateTask(t, one, acct, map[string]any{"residence_id": rid, "title": fmt.Sprintf("Task %d", j),
			"description": "Check it", "due_date": time.Now().AddDate(0, 0, j*10-15).Format(time.DateOnly)})
	}
	for _, path := range []string{"/tasks", fmt.Sprintf("/residences/%d/tasks", rid)} {
		// A process new to the caller tags its first board from its rows; the tag compared is the version one.
		one.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: acct.Token})
		two.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: acct.Token})
		first := one.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: acct.Token})
		require.Equal(t, http.StatusOK, first.Status, string(first.Body))
		etag := first.Header.Get("ETag")
		require.NotEmpty(t, etag)
		second := two.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: acct.Token})
		require.Equal(t, http.StatusOK, second.Status, string(second.Body))
		require.Equal(t, etag, second.Header.Get("ETag"), "%s: the same board on another instance, the same tag", path)
		require.JSONEq(t, string(first.Body), string(second.Body))
		r := two.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: acct.Token,
			Header: http.Header{"If-None-Match": {etag}}})
		require.Equal(t, http.StatusNotModified, r.Status, "%s: another instance's tag is current", path)
		require.Equal(t, etag, r.Header.Get("ETag"))
	}
}
