package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/app/reminders"
)

// plannerStatement is the reminder planner's statement (reminders.Plan), by its name in db/queries.
const plannerStatement = "NotificationLedgerPlanReminders"

// plannerReadsInFull are the big tables the planner reads whole by design: whose reminder hour has come
// depends on each user's timezone and preference, so every run looks at every user. Their sequential scans
// are not flagged; one of tasks, documents or any other big table is.
var plannerReadsInFull = []string{"users"}

// plannerNowOn returns the now the planner is explained at on day: 14:05 UTC, when the default reminder
// hour (9) has come within the grace in Europe/Berlin (07:00 or 08:00 UTC), UTC and America/New_York (13:00
// or 14:00 UTC) in every season, so the run looks up most users' tasks and warranties, as the runs of the
// afternoon in Europe do.
func plannerNowOn(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, 14, 5, 0, 0, time.UTC)
}

// plannerArgs returns the planner statement's arguments in $n order, from its parameters' names.
func plannerArgs(params []param, now time.Time, grace time.Duration) ([]any, error) {
	values := map[string]any{"now": now, "grace_seconds": int64(grace / time.Second)}
	args := make([]any, 0, len(params))
	for _, p := range params {
		v, ok := values[p.name]
		if !ok {
			return nil, fmt.Errorf("the bench has no value for the planner's parameter %q: add one to "+
				"plannerArgs in internal/bench/plans_planner_test.go", p.name)
		}
		args = append(args, v)
	}
	return args, nil
}

// plannerFlags names the sequential scans of big tables in s, except of those the planner reads whole. The
// planner is periodic, so the 1 ms target of a request statement does not apply.
func plannerFlags(s *PlanSummary, which string) []string {
	return seqScanFlags(s, which, plannerReadsInFull)
}

// plannerPlans explains the reminder planner on conn's database (scale.sql, analyzed, no reminders planned
// yet) with its custom and its generic plan; occurrences are its parameters as the query file has them.
func plannerPlans(ctx context.Context, conn *pgx.Conn, occurrences []param) (*PlannerPlans, error) {
	var day time.Time
	out := &PlannerPlans{Grace: reminders.GraceDefault.String()}
	if err := conn.QueryRow(ctx, "SELECT current_date, (SELECT count(*) FROM documents WHERE doc_type = 'warranty')").
		Scan(&day, &out.Warranties); err != nil {
		return nil, fmt.Errorf("error reading the seeded day: %w", err)
	}
	now := plannerNowOn(day)
	out.Now = now.Format(time.RFC3339)
	ps, err := numberParams(occurrences, reminders.PlanSQL)
	if err != nil {
		return nil, err
	}
	args, err := plannerArgs(ps, now, reminders.GraceDefault)
	if err != nil {
		return nil, err
	}
	first := PlanResult{Name: "first run: an empty ledger, every reminder due is written"}
	again := PlanResult{Name: "again in the same transaction: every reminder already planned (a run 15 minutes later)"}
	for _, generic := range []bool{false, true} {
		which := map[bool]string{false: "custom", true: "generic"}[generic]
		f, a, written, err := explainPlanner(ctx, conn, reminders.PlanSQL, args, generic)
		if err != nil {
			first.Error, again.Error = err.Error(), err.Error()
			break
		}
		if generic {
			first.Generic, again.Generic = f, a
		} else {
			first.Custom, again.Custom = f, a
			out.LedgerRows, out.FeedRows, out.Users = written.ledger, written.feed, written.users
		}
		first.Flags = append(first.Flags, plannerFlags(f, which)...)
		again.Flags = append(again.Flags, plannerFlags(a, which)...)
	}
	out.Runs = []PlanResult{first, again}
	return out, nil
}

// plannerWrites is what one planner run wrote before its transaction was rolled back.
type plannerWrites struct{ ledger, feed, users int64 }

// explainPlanner runs EXPLAIN (ANALYZE, BUFFERS) of the planner twice in one transaction, which it rolls
// back (EXPLAIN ANALYZE of an INSERT really writes): first on the empty ledger, then again once the first
// has planned every reminder due. generic prepares the statement and forces its generic plan; otherwise the
// arguments are bound and the custom plan forced. It returns both plans and what the first run wrote, counted
// in the transaction (the bench's database has no reminders of its own).
func explainPlanner(ctx context.Context, conn *pgx.Conn, sql string, args []any, generic bool) (
	first, again *PlanSummary, w plannerWrites, err error,
) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, nil, w, fmt.Errorf("error beginning the planner's transaction: %w", err)
	}
	defer func() {
		err = errors.Join(err, tx.Rollback(context.WithoutCancel(ctx)))
	}()
	explain := func() (*PlanSummary, error) {
		var plan []byte
		if err := tx.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+sql,
			append([]any{pgx.QueryExecModeExec}, args...)...).Scan(&plan); err != nil {
			return nil, fmt.Errorf("error explaining the planner: %w", err)
		}
		return summarizePlan(plan)
	}
	mode := "force_custom_plan"
	if generic {
		mode = "force_generic_plan"
		lits := make([]string, len(args))
		for i, a := range args {
			if lits[i], err = literal(a); err != nil {
				return nil, nil, w, err
			}
		}
		if _, err = tx.Exec(ctx, "PREPARE bench_planner AS "+sql); err != nil {
			return nil, nil, w, fmt.Errorf("error preparing the planner: %w", err)
		}
		// A prepared statement outlives the transaction it was made in.
		defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "DEALLOCATE bench_planner") }()
		execute := "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE bench_planner(" + strings.Join(lits, ", ") + ")"
		explain = func() (*PlanSummary, error) {
			var plan []byte
			if err := tx.QueryRow(ctx, execute, pgx.QueryExecModeSimpleProtocol).Scan(&plan); err != nil {
				return nil, fmt.Errorf("error explaining the planner's generic plan: %w", err)
			}
			return summarizePlan(plan)
		}
	}
	if _, err = tx.Exec(ctx, "SET LOCAL plan_cache_mode = "+mode); err != nil {
		return nil, nil, w, fmt.Errorf("error setting plan_cache_mode: %w", err)
	}
	if first, err = explain(); err != nil {
		return nil, nil, w, err
	}
	if err = tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM notification_ledger), (SELECT count(*) FROM notifications), "+
		"(SELECT count(DISTINCT user_id) FROM notification_ledger)").Scan(&w.ledger, &w.feed, &w.users); err != nil {
		return nil, nil, w, fmt.Errorf("error counting what the planner wrote: %w", err)
	}
	if again, err = explain(); err != nil {
		return nil, nil, w, err
	}
	return first, again, w, nil
}
