package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/reminders"
)

func TestPlannerNowOnHasMostRemindersDue(t *testing.T) {
	t.Parallel()
	// came reports whether a user in tz with reminder hour came within the grace before now, on the local
	// day of now or the one before (the days the planner looks at).
	came := func(now time.Time, tz string, hour int) bool {
		loc, err := time.LoadLocation(tz)
		require.NoError(t, err)
		local := now.In(loc)
		for _, back := range []int{0, -1} {
			y, m, d := local.AddDate(0, 0, back).Date()
			at := time.Date(y, m, d, hour, 0, 0, 0, loc)
			if !at.After(now) && at.After(now.Add(-reminders.GraceDefault)) {
				return true
			}
		}
		return false
	}
	winter, summer := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)
	for _, day := range []time.Time{winter, summer} {
		now := plannerNowOn(day)
		require.Equal(t, day.Add(14*time.Hour+5*time.Minute), now)
		for _, tz := range []string{"Europe/Berlin", "America/New_York", "UTC"} {
			require.True(t, came(now, tz, 9), "the default hour 9 in %s has come at %s", tz, now)
		}
		// scale.sql gives some users 18 or 21: those in Berlin have had theirs too long ago, or not yet.
		require.False(t, came(now, "Europe/Berlin", 21), "hour 21 in Europe/Berlin at %s", now)
	}
}

func TestPlannerArgsFromParameterNames(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 14, 5, 0, 0, time.UTC)
	args, err := plannerArgs([]param{{name: "grace_seconds"}, {name: "now"}}, now, 12*time.Hour)
	require.NoError(t, err)
	require.Equal(t, []any{int64(43200), now}, args)

	_, err = plannerArgs([]param{{name: "now"}, {name: "limit"}}, now, time.Hour)
	require.ErrorContains(t, err, `"limit"`)

	lit, err := literal(now)
	require.NoError(t, err)
	require.Equal(t, "'2026-11-29T14:05:00Z'", lit, "the generic plan's EXECUTE takes now as a literal")
}

func TestPlannerFlagsSeqScansButUsers(t *testing.T) {
	t.Parallel()
	s := &PlanSummary{ExecutionMs: 4000, Nodes: []string{"ModifyTable on notifications", "Seq Scan on users",
		"Index Scan on tasks (tasks_reminder_due_idx)", "Seq Scan on tasks", "Seq Scan on documents",
		"Seq Scan on notification_preferences", "Seq Scan on tasks"}}
	require.Equal(t, []string{"generic: Seq Scan on tasks", "generic: Seq Scan on documents"},
		plannerFlags(s, "generic"), "the planner reads users whole by design and has no 1 ms target")
	require.Equal(t, []string{"custom: Seq Scan on users", "custom: Seq Scan on tasks", "custom: Seq Scan on documents",
		"custom: 4000.00 ms to execute"}, planFlags(s, "custom"), "a hot statement's flags are unchanged")
	require.Nil(t, plannerFlags(nil, "custom"))
}

func TestPlansMarkdownShowsPlanner(t *testing.T) {
	t.Parallel()
	pl := &Plans{Users: 200, Residences: 100, Tasks: 1000, Statements: []PlanResult{{Name: "TaskBoard",
		Custom: &PlanSummary{Nodes: []string{"Index Scan on tasks (tasks_residence_id_idx)"}, ExecutionMs: 0.2}}},
		Planner: &PlannerPlans{Now: "2026-11-29T14:05:00Z", Grace: "12h0m0s", Warranties: 100, LedgerRows: 30,
			FeedRows: 30, Users: 20, Runs: []PlanResult{
				{Name: "first run", Custom: &PlanSummary{Nodes: []string{"Seq Scan on tasks"}, ExecutionMs: 812.5},
					Flags: []string{"custom: Seq Scan on tasks"}},
				{Name: "again", Error: "error explaining the planner: boom"},
			}}}
	var b strings.Builder
	pl.markdown(&b)
	md := b.String()
	for _, want := range []string{
		"| TaskBoard | Index Scan on tasks (tasks_residence_id_idx) | 0.200",
		"### The reminder planner (periodic, not a request)",
		"Explained at 2026-11-29T14:05:00Z with a grace of 12h0m0s",
		"wrote 30 ledger rows and 30 feed rows for 20 users",
		"| Run | custom plan |",
		"| first run | Seq Scan on tasks | 812.500 (0 rows, 0 hit, 0 read) | — |  | **custom: Seq Scan on tasks** |",
		"| again | error: error explaining the planner: boom |",
	} {
		require.Contains(t, md, want)
	}
	require.Less(t, strings.Index(md, "| TaskBoard"), strings.Index(md, "### The reminder planner"),
		"the planner follows the hot statements")
}

// TestPlannerPlansRollBack explains the planner on a small scale database: both plans are read, the first
// run writes reminders, and nothing it wrote, nor its prepared statement, is left afterwards.
func TestPlannerPlansRollBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := scaleDatabase(t, 400)

	pp, err := plannerPlans(ctx, conn, queryParams(t)[plannerStatement])
	require.NoError(t, err)
	require.Len(t, pp.Runs, 2)
	for _, r := range pp.Runs {
		require.Empty(t, r.Error, r.Name)
		require.NotNil(t, r.Custom, r.Name)
		require.NotNil(t, r.Generic, r.Name)
		require.Contains(t, r.Custom.Nodes, "ModifyTable on notifications", r.Name)
	}
	require.Positive(t, pp.LedgerRows, "at %s most users' hour has come and tasks are due every day", pp.Now)
	require.Equal(t, pp.LedgerRows, pp.FeedRows, "every reminder planned is written to a feed once")
	require.Positive(t, pp.Warranties)

	var ledger, feed, prepared int
	require.NoError(t, conn.QueryRow(ctx, "SELECT (SELECT count(*) FROM notification_ledger), "+
		"(SELECT count(*) FROM notifications), "+
		"(SELECT count(*) FROM pg_prepared_statements WHERE name = 'bench_planner')").
		Scan(&ledger, &feed, &prepared))
	require.Zero(t, ledger+feed, "the planner's writes are rolled back")
	require.Zero(t, prepared, "the generic plan's statement is deallocated")
}
