package bench

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/testdb"
)

// bigTables are the tables that grow with users; a sequential scan of one is flagged.
var bigTables = []string{"auth_tokens", "contractors", "documents", "residence_members", "residences",
	"task_completions", "tasks", "users"}

// maxExecutionMs is the execution time over which a plan is flagged.
const maxExecutionMs = 1.0

// typicalUser is who the statements run for at scale: user 1 of scale.sql, in three residences with 60
// tasks between them, like the realistic account.
type typicalUser struct {
	id         int64
	token      string
	residences []int64
	task       int64
}

// planArgs are the arguments of each hot statement for u, in the order of its parameters ($1, $2, ...), by
// the statement's sqlc name. A hot statement missing here is reported, not explained.
func planArgs(u typicalUser) map[string][]any {
	h := authcache.HashToken(u.token)
	const threshold = 30
	return map[string][]any{
		"AuthTokenUser":       {h[:]},
		"ContractorList":      {u.residences, u.id, nil, nil, nil},
		"DocumentList":        {u.id, u.residences, nil, nil, nil},
		"ResidenceGet":        {u.id, threshold, u.residences[0]},
		"ResidenceIDsForUser": {u.id},
		"ResidenceList":       {u.id, threshold, u.residences},
		"StaticDataList":      {},
		"TaskBoard":           {threshold, u.id, nil},
		"TaskGet":             {threshold, u.task, u.id},
		"UserGetActive":       {u.id},
	}
}

// plans builds the big database and explains every hot statement on it.
func (b *bench) plans(t *testing.T, _ *benchEnv) {
	ctx := context.Background()
	dbURL := testdb.New(t)
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close(ctx)) }()
	start := time.Now()
	_, err = conn.Exec(ctx, scaleSQL)
	require.NoError(t, err, "building the database at scale")
	pl := &Plans{SeedSeconds: time.Since(start).Seconds()}
	defer func() {
		b.mu.Lock()
		b.res.Plans = pl
		b.mu.Unlock()
	}()
	require.NoError(t, conn.QueryRow(ctx, "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM residences), "+
		"(SELECT count(*) FROM tasks)").Scan(&pl.Users, &pl.Residences, &pl.Tasks))

	u := typicalUser{id: 1, token: "scale-user-1", residences: []int64{1, 2, 3}}
	require.NoError(t, conn.QueryRow(ctx, "SELECT min(id) FROM tasks WHERE residence_id = 2").Scan(&u.task))
	var boardSize int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM tasks WHERE residence_id IN (1, 2, 3)").Scan(&boardSize))
	pl.TypicalUser = fmt.Sprintf("user 1, a member of 3 residences with %d tasks between them", boardSize)
	args := planArgs(u)

	for _, sql := range app.HotStatements() {
		res := PlanResult{Name: statementName(sql)}
		a, ok := args[res.Name]
		if !ok {
			res.Error = "the bench knows no arguments for it: add them to planArgs in internal/bench/plans_test.go"
			pl.Statements = append(pl.Statements, res)
			continue
		}
		var err error
		if res.Custom, err = explainCustom(ctx, conn, sql, a); err != nil {
			res.Error = err.Error()
		} else if res.Generic, err = explainGeneric(ctx, conn, sql, a); err != nil {
			res.Error = err.Error()
		}
		res.Flags = planFlags(res.Custom, "custom")
		res.Flags = append(res.Flags, planFlags(res.Generic, "generic")...)
		t.Logf("%-20s custom %v %.3f ms; generic %v; flags %v %s", res.Name, nodesOf(res.Custom), execOf(res.Custom),
			nodesOf(res.Generic), res.Flags, res.Error)
		pl.Statements = append(pl.Statements, res)
	}
}

// statementName returns the sqlc name from a statement's "-- name: X :kind" header.
func statementName(sql string) string {
	rest, ok := strings.CutPrefix(sql, "-- name: ")
	if !ok {
		return shorten(sql, 40)
	}
	return strings.Fields(rest)[0]
}

// explainCustom explains sql with its arguments bound, as PostgreSQL plans the first executions of a
// prepared statement; it runs three times and keeps the last, so the cache is warm.
func explainCustom(ctx context.Context, conn *pgx.Conn, sql string, args []any) (*PlanSummary, error) {
	var plan []byte
	for range 3 {
		if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+sql,
			append([]any{pgx.QueryExecModeExec}, args...)...).Scan(&plan); err != nil {
			return nil, fmt.Errorf("error explaining: %w", err)
		}
	}
	return summarizePlan(plan)
}

// explainGeneric prepares sql and explains its generic plan (plan_cache_mode force_generic_plan), the plan a
// prepared statement may settle on after five executions. EXECUTE takes literals, so the arguments are
// written as untyped literals that take the parameters' types.
func explainGeneric(ctx context.Context, conn *pgx.Conn, sql string, args []any) (*PlanSummary, error) {
	lits := make([]string, len(args))
	for i, a := range args {
		l, err := literal(a)
		if err != nil {
			return nil, err
		}
		lits[i] = l
	}
	execute := "EXECUTE bench_generic"
	if len(lits) > 0 {
		execute += "(" + strings.Join(lits, ", ") + ")"
	}
	var plan []byte
	batch := []string{"SET plan_cache_mode = force_generic_plan", "PREPARE bench_generic AS " + sql}
	for _, q := range batch {
		if _, err := conn.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("error preparing the generic plan: %w", err)
		}
	}
	defer func() {
		_, _ = conn.Exec(ctx, "DEALLOCATE bench_generic")
		_, _ = conn.Exec(ctx, "RESET plan_cache_mode")
	}()
	for range 3 {
		if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+execute,
			pgx.QueryExecModeSimpleProtocol).Scan(&plan); err != nil {
			return nil, fmt.Errorf("error explaining the generic plan: %w", err)
		}
	}
	return summarizePlan(plan)
}

// literal writes a as an untyped SQL literal.
func literal(a any) (string, error) {
	switch v := a.(type) {
	case nil:
		return "NULL", nil
	case int:
		return fmt.Sprintf("'%d'", v), nil
	case int64:
		return fmt.Sprintf("'%d'", v), nil
	case []byte:
		return `'\x` + hex.EncodeToString(v) + `'`, nil
	case []int64:
		parts := make([]string, len(v))
		for i, n := range v {
			parts[i] = fmt.Sprint(n)
		}
		return "'{" + strings.Join(parts, ",") + "}'", nil
	default:
		return "", fmt.Errorf("no literal for %T", a)
	}
}

// planNode is the part of EXPLAIN's JSON the bench reads.
type planNode struct {
	NodeType   string     `json:"Node Type"`
	Relation   string     `json:"Relation Name"`
	Index      string     `json:"Index Name"`
	ActualRows int64      `json:"Actual Rows"`
	SharedHit  int64      `json:"Shared Hit Blocks"`
	SharedRead int64      `json:"Shared Read Blocks"`
	Plans      []planNode `json:"Plans"`
}

// summarizePlan reads EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) output.
func summarizePlan(raw []byte) (*PlanSummary, error) {
	var out []struct {
		Plan      planNode `json:"Plan"`
		Planning  float64  `json:"Planning Time"`
		Execution float64  `json:"Execution Time"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out) == 0 {
		return nil, fmt.Errorf("error reading the plan %s: %w", raw, err)
	}
	p := out[0]
	s := &PlanSummary{PlanningMs: p.Planning, ExecutionMs: p.Execution, SharedHit: p.Plan.SharedHit,
		SharedRead: p.Plan.SharedRead, Rows: p.Plan.ActualRows}
	var walk func(n planNode)
	walk = func(n planNode) {
		d := n.NodeType
		if n.Relation != "" {
			d += " on " + n.Relation
		}
		if n.Index != "" {
			d += " (" + n.Index + ")"
		}
		s.Nodes = append(s.Nodes, d)
		for _, k := range n.Plans {
			walk(k)
		}
	}
	walk(p.Plan)
	return s, nil
}

// planFlags names what in s breaks the targets: a sequential scan of a big table, execution over 1 ms.
func planFlags(s *PlanSummary, which string) []string {
	if s == nil {
		return nil
	}
	var flags []string
	for _, n := range s.Nodes {
		for _, tbl := range bigTables {
			if strings.HasPrefix(n, "Seq Scan on "+tbl) && !slices.Contains(flags, which+": "+n) {
				flags = append(flags, which+": "+n)
			}
		}
	}
	if s.ExecutionMs > maxExecutionMs {
		flags = append(flags, fmt.Sprintf("%s: %.2f ms to execute", which, s.ExecutionMs))
	}
	return flags
}

func nodesOf(s *PlanSummary) []string {
	if s == nil {
		return nil
	}
	return s.Nodes
}

func execOf(s *PlanSummary) float64 {
	if s == nil {
		return 0
	}
	return s.ExecutionMs
}
