package bench

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/seed"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/testdb"
)

// bigTables are the tables that grow with users; a sequential scan of one is flagged.
var bigTables = []string{"auth_tokens", "contractors", "documents", "residence_members", "residences",
	"task_completions", "tasks", "users"}

// maxExecutionMs is the execution time over which a plan is flagged.
const maxExecutionMs = 1.0

// typicalUser is who the statements run for at scale: user 1 of scale.sql, in three residences with 60
// tasks between them, like the realistic account; task, contractor and document are one of each of theirs.
type typicalUser struct {
	id                         int64
	token                      string
	residences                 []int64
	task, contractor, document int64
}

// queriesDir holds the sqlc query files, seen from this package's directory.
const queriesDir = "../../db/queries"

// param is one of a statement's parameters, as the query file names it.
type param struct {
	name     string
	nullable bool // sqlc.narg: an optional filter, NULL for the typical request
}

// paramPattern finds @name, sqlc.arg(name), sqlc.narg(name) and sqlc.slice(name).
var paramPattern = regexp.MustCompile(`@(\w+)|sqlc\.(arg|narg|slice)\((\w+)\)`)

// placeholderPattern finds the $n that sqlc writes in their place.
var placeholderPattern = regexp.MustCompile(`\$(\d+)`)

// queryParams reads every statement's parameter occurrences from the query files, by statement name.
func queryParams(t *testing.T) map[string][]param {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(queriesDir, "*.sql"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no query files in %s", queriesDir)
	out := map[string][]param{}
	for _, f := range files {
		b, err := os.ReadFile(f) //nolint:gosec // G304: the repository's own query files
		require.NoError(t, err)
		maps.Copy(out, parseQueries(string(b)))
	}
	return out
}

// parseQueries returns, for each statement of one query file, its parameter occurrences in the order they
// appear (repeats included).
func parseQueries(file string) map[string][]param {
	out := map[string][]param{}
	blocks := strings.Split(file, "-- name: ")
	for _, block := range blocks[1:] {
		name := strings.Fields(block)[0]
		ps := []param{}
		for _, m := range paramPattern.FindAllStringSubmatch(stripComments(block), -1) {
			p := param{name: m[1]}
			if p.name == "" {
				p = param{name: m[3], nullable: m[2] == "narg"}
			}
			ps = append(ps, p)
		}
		out[name] = ps
	}
	return out
}

// numberParams returns the parameters in $n order. sqlc writes $n where each name was, but does not number
// them in the order they appear (a CTE's come after the main query's), so the names are read off the
// generated statement, occurrence by occurrence.
func numberParams(occurrences []param, generated string) ([]param, error) {
	marks := placeholderPattern.FindAllStringSubmatch(stripComments(generated), -1)
	if len(marks) != len(occurrences) {
		return nil, fmt.Errorf("the query file has %d parameter occurrences, the generated statement %d: "+
			"regenerate", len(occurrences), len(marks))
	}
	byNumber := map[int]param{}
	for i, m := range marks {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", m[0], err)
		}
		if prev, ok := byNumber[n]; ok && prev.name != occurrences[i].name {
			return nil, fmt.Errorf("$%d stands for both %s and %s", n, prev.name, occurrences[i].name)
		}
		byNumber[n] = occurrences[i]
	}
	out := make([]param, len(byNumber))
	for n, p := range byNumber {
		if n < 1 || n > len(out) {
			return nil, fmt.Errorf("$%d out of range 1..%d", n, len(out))
		}
		out[n-1] = p
	}
	return out, nil
}

// stripComments drops -- comments, whose words may look like parameters.
func stripComments(sql string) string {
	lines := strings.Split(sql, "\n")
	for i, l := range lines {
		if j := strings.Index(l, "--"); j >= 0 {
			lines[i] = l[:j]
		}
	}
	return strings.Join(lines, "\n")
}

// planArgs returns the arguments of statement name for u, from its parameters' names: an optional filter is
// NULL (the typical request has none), and "id" is the typical row of the statement's table.
func planArgs(name string, params []param, u typicalUser) ([]any, error) {
	h := authcache.HashToken(u.token)
	ids := map[string]any{"Task": u.task, "Residence": u.residences[0], "User": u.id, "Contractor": u.contractor,
		"Document": u.document}
	values := map[string]any{"token_hash": h[:], "user_id": u.id, "threshold_days": 30, "ids": u.residences,
		"residence_ids": u.residences, "residence_id": u.residences[0], "task_id": u.task,
		"contractor_id": u.contractor, "document_id": u.document}
	args := make([]any, 0, len(params))
	for _, p := range params {
		v, ok := values[p.name]
		switch {
		case p.nullable:
			v, ok = nil, true
		case p.name == "id":
			for prefix, id := range ids {
				if strings.HasPrefix(name, prefix) {
					v, ok = id, true
				}
			}
		}
		if !ok {
			return nil, fmt.Errorf("the bench has no value for parameter %q: add one to planArgs in "+
				"internal/bench/plans_test.go", p.name)
		}
		args = append(args, v)
	}
	return args, nil
}

// plans builds the big database and explains every hot statement on it, then the reminder planner.
func (b *bench) plans(t *testing.T, _ *benchEnv) {
	ctx := context.Background()
	start := time.Now()
	conn := scaleDatabase(t, b.mode.scaleResidences)
	pl := &Plans{SeedSeconds: time.Since(start).Seconds()}
	defer func() {
		b.mu.Lock()
		b.res.Plans = pl
		b.mu.Unlock()
	}()
	require.NoError(t, conn.QueryRow(ctx, "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM residences), "+
		"(SELECT count(*) FROM tasks)").Scan(&pl.Users, &pl.Residences, &pl.Tasks))

	u := typicalUser{id: 1, token: "scale-user-1", residences: []int64{1, 2, 3}}
	require.NoError(t, conn.QueryRow(ctx, "SELECT (SELECT min(id) FROM tasks WHERE residence_id = 2), "+
		"(SELECT min(id) FROM contractors WHERE residence_id = 2), (SELECT min(id) FROM documents WHERE residence_id = 2)").
		Scan(&u.task, &u.contractor, &u.document))
	var boardSize int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM tasks WHERE residence_id IN (1, 2, 3)").Scan(&boardSize))
	pl.TypicalUser = fmt.Sprintf("user 1, a member of 3 residences with %d tasks between them", boardSize)
	params := queryParams(t)

	for _, sql := range app.HotStatements() {
		res := PlanResult{Name: statementName(sql)}
		occurrences, ok := params[res.Name]
		if !ok {
			res.Error = "not found in " + queriesDir
			pl.Statements = append(pl.Statements, res)
			continue
		}
		ps, err := numberParams(occurrences, sql)
		var a []any
		if err == nil {
			a, err = planArgs(res.Name, ps, u)
		}
		if err != nil {
			res.Error = err.Error()
			pl.Statements = append(pl.Statements, res)
			continue
		}
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

	occurrences, ok := params[plannerStatement]
	require.True(t, ok, "%s not found in %s", plannerStatement, queriesDir)
	planner, err := plannerPlans(ctx, conn, occurrences)
	require.NoError(t, err, "explaining the reminder planner")
	pl.Planner = planner
	for _, r := range planner.Runs {
		t.Logf("planner, %s: custom %v %.3f ms; generic %v %.3f ms; flags %v %s", r.Name, nodesOf(r.Custom),
			execOf(r.Custom), nodesOf(r.Generic), execOf(r.Generic), r.Flags, r.Error)
	}
	t.Logf("planner at %s: the first run wrote %d ledger rows and %d feed rows for %d users (%d warranties)",
		planner.Now, planner.LedgerRows, planner.FeedRows, planner.Users, planner.Warranties)
}

// scaleDatabase returns a connection, closed when the test ends, to a database of its own built by scale.sql
// for residences residences, and analyzed.
func scaleDatabase(t *testing.T, residences int) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	dbURL := testdb.New(t)
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, conn.Close(ctx)) })
	pool, err := pgxpool.New(ctx, dbURL)
	require.NoError(t, err)
	err = seed.Apply(ctx, pool) // the lookups the tasks name, and the static data
	pool.Close()
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "SELECT set_config('bench.residences', $1, false)", fmt.Sprint(residences))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, scaleSQL) // no arguments: one simple-protocol batch
	require.NoError(t, err, "building the database at scale")
	return conn
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
	case time.Time:
		return "'" + v.Format(time.RFC3339Nano) + "'", nil
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
	flags := seqScanFlags(s, which, nil)
	if s.ExecutionMs > maxExecutionMs {
		flags = append(flags, fmt.Sprintf("%s: %.2f ms to execute", which, s.ExecutionMs))
	}
	return flags
}

// seqScanFlags names the sequential scans in s of big tables other than except, each once.
func seqScanFlags(s *PlanSummary, which string, except []string) []string {
	if s == nil {
		return nil
	}
	var flags []string
	for _, n := range s.Nodes {
		for _, tbl := range bigTables {
			if slices.Contains(except, tbl) {
				continue
			}
			if strings.HasPrefix(n, "Seq Scan on "+tbl) && !slices.Contains(flags, which+": "+n) {
				flags = append(flags, which+": "+n)
			}
		}
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
