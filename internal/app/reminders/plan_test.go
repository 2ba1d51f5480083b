package reminders_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/reminders"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/testdb"
)

// reminderScaleSQL seeds 20,000 users in Berlin, New York and UTC, each owning a residence with 10 tasks due
// on days spread over a year (200,000 tasks) and 2 warranties, then refreshes the statistics.
const reminderScaleSQL = `
INSERT INTO users (email, password_hash, timezone)
SELECT 'scale' || i || '@example.com', 'x', (ARRAY['Europe/Berlin', 'America/New_York', 'UTC'])[1 + i % 3]
FROM generate_series(1, 20000) i;
INSERT INTO residences (owner_id, name) SELECT id, 'Home' FROM users;
INSERT INTO residence_members (residence_id, user_id, role) SELECT id, owner_id, 'owner' FROM residences;
INSERT INTO tasks (residence_id, title, due_date, is_cancelled)
SELECT r.id, 'Task', date '2026-01-01' + ((r.id * 7 + i * 37) % 365)::int, i = 10
FROM residences r CROSS JOIN generate_series(1, 10) i;
INSERT INTO documents (residence_id, title, doc_type, expiry_date)
SELECT r.id, 'Warranty', CASE WHEN i = 1 THEN 'warranty' ELSE 'manual' END, date '2026-01-01' + ((r.id * 11 + i * 101) % 730)::int
FROM residences r CROSS JOIN generate_series(1, 4) i;
ANALYZE;
`

// planNode is the part of EXPLAIN's JSON the test reads.
type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Plans    []planNode `json:"Plans"`
}

func (n planNode) walk(visit func(planNode)) {
	visit(n)
	for _, k := range n.Plans {
		k.walk(visit)
	}
}

// TestPlanUsesIndexes explains the planner statement on a seeded database, with the plan a prepared statement
// starts with (its arguments bound) and the generic plan it may settle on, and requires that it reads tasks
// and documents through indexes, never by a sequential scan: it runs every 15 minutes over every user.
func TestPlanUsesIndexes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, testdb.New(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.WithoutCancel(ctx)) })
	_, err = conn.Exec(ctx, reminderScaleSQL)
	require.NoError(t, err)

	now := time.Date(2026, 6, 10, 9, 5, 0, 0, time.UTC)
	grace := int64(reminders.GraceDefault / time.Second)
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		t.Run(mode, func(t *testing.T) {
			tx, err := conn.Begin(ctx)
			require.NoError(t, err)
			defer func() {
				_ = tx.Rollback(context.WithoutCancel(ctx))
				_, _ = conn.Exec(context.WithoutCancel(ctx), "DEALLOCATE reminder_plan")
			}()
			_, err = tx.Exec(ctx, "SET LOCAL plan_cache_mode = "+mode)
			require.NoError(t, err)
			_, err = tx.Exec(ctx, "PREPARE reminder_plan AS "+dbsqlc.NotificationLedgerPlanReminders)
			require.NoError(t, err)
			var raw []byte
			require.NoError(t, tx.QueryRow(ctx, "EXPLAIN (FORMAT JSON) EXECUTE reminder_plan($1, $2)",
				pgx.QueryExecModeSimpleProtocol, now, grace).Scan(&raw))
			var out []struct {
				Plan planNode `json:"Plan"`
			}
			require.NoError(t, json.Unmarshal(raw, &out))
			var nodes, seq []string
			out[0].Plan.walk(func(n planNode) {
				nodes = append(nodes, strings.TrimSpace(n.NodeType+" "+n.Relation+" "+n.Index))
				if n.NodeType == "Seq Scan" && slices.Contains([]string{"tasks", "documents", "residence_members"}, n.Relation) {
					seq = append(seq, n.Relation)
				}
			})
			require.Empty(t, seq, "sequential scans in the plan %v", nodes)
			for _, idx := range []string{"tasks_reminder_due_idx", "documents_warranty_residence_expiry_idx"} {
				require.True(t, slices.ContainsFunc(nodes, func(n string) bool { return strings.HasSuffix(n, " "+idx) }),
					"the plan reads through %s: %v", idx, nodes)
			}
			t.Logf("%s: %v", mode, nodes)
		})
	}
}
