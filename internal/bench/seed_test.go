package bench

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/testdb"
)

// householdsSQL and scaleSQL are the bulk seeds (generate_series); their headers say what they make.
var (
	//go:embed testdata/households.sql
	householdsSQL string
	//go:embed testdata/scale.sql
	scaleSQL string
)

// otherUserID is the id households.sql gives user n.
func otherUserID(n int) int64 { return 1_000_000 + int64(n) }

// otherToken is the token households.sql gives user n.
func otherToken(n int) string { return fmt.Sprintf("bench-user-%d", n) }

// benchEnv is the seeded database and Valkey every phase shares.
type benchEnv struct {
	// directURL is the bench's database, reached without any proxy; valkeyURL is Valkey, likewise.
	directURL, valkeyURL string
	owner                apptest.Account
	// boardETag is the owner's board tag after seeding.
	boardETag string
	// others is how many other households households.sql made (users 1..others).
	others int
	tokens atomic.Int64
}

// setUp creates the bench database: the realistic account through the API (3 residences with a second
// member each, 60 tasks over every board column, 10 contractors, 20 documents) among otherHouseholds other
// households seeded in bulk.
func setUp(t *testing.T, b *bench) *benchEnv {
	t.Helper()
	env := &benchEnv{directURL: testdb.New(t), others: b.mode.otherHouseholds}
	var prefix string
	env.valkeyURL, prefix = apptest.SharedValkey(t)
	b.res.Machine.PostgreSQL = "PostgreSQL " + queryString(t, env.directURL, "SHOW server_version")
	b.res.Machine.Valkey = valkeyVersion(t, env.valkeyURL)

	start := time.Now()
	seeder := apptest.Start(t, apptest.Options{DatabaseURL: env.directURL, ValkeyURL: env.valkeyURL, KeyPrefix: prefix})
	env.owner = seedAccount(t, seeder)
	r := seeder.Do(t, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: env.owner.Token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	env.boardETag = r.Header.Get("ETag")
	seeder.Stop(t)
	seedHouseholds(t, env.directURL, 1, env.others, true)
	b.res.Seed = fmt.Sprintf("one account with 3 residences (a second member in each), 60 tasks (10 in each of "+
		"the 6 board columns), 10 contractors and 20 documents, made through the API; %d other users, each "+
		"owning a residence with 6 tasks, a contractor and 2 documents, made with generate_series "+
		"(`internal/bench/testdata/households.sql`); seeded in %.0f s", env.others, time.Since(start).Seconds())
	return env
}

// seedHouseholds runs households.sql for users first..last.
func seedHouseholds(t *testing.T, databaseURL string, first, last int, households bool) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL)
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close(ctx)) }()
	_, err = conn.Exec(ctx, "SELECT set_config('bench.first', $1, false), set_config('bench.last', $2, false), "+
		"set_config('bench.households', $3, false)", fmt.Sprint(first), fmt.Sprint(last), fmt.Sprint(households))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, householdsSQL) // no arguments: one simple-protocol batch
	require.NoError(t, err, "seeding other households")
}

// seedAccount gives a new account 3 residences (each with a second member), 60 tasks spread evenly over the
// six board columns, 10 contractors and 20 documents, checks that the board shows every column filled, and
// returns the account.
func seedAccount(t *testing.T, inst *apptest.Instance) apptest.Account {
	t.Helper()
	owner := inst.Register(t)
	today := time.Now()
	var residences []int64
	for i := range 3 {
		rid := apptest.CreateResidence(t, inst, owner, fmt.Sprintf("Home %d", i+1))
		residences = append(residences, rid)
		member := inst.Register(t)
		apptest.Join(t, inst, member, apptest.ShareCode(t, inst, owner, rid, "editor"))
	}
	for i := range 60 {
		due := map[int]int{0: -10 - i, 1: 3, 2: 1 + i%20, 3: 60 + i, 4: -i, 5: 7 + i}[i%6]
		id := apptest.CreateTask(t, inst, owner, map[string]any{"residence_id": residences[i%3],
			"title": fmt.Sprintf("Task %d", i+1), "template_id": i%40 + 1,
			"due_date": today.AddDate(0, 0, due).Format(time.DateOnly)})
		action := map[int]string{1: "in-progress", 4: "archive", 5: "cancel"}[i%6]
		if action != "" {
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: fmt.Sprintf("/tasks/%d/%s", id, action),
				Token: owner.Token})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		}
	}
	for i := range 10 {
		apptest.CreateContractor(t, inst, owner, map[string]any{"residence_id": residences[i%3],
			"name": fmt.Sprintf("Contractor %d", i+1)})
	}
	for i := range 20 {
		apptest.CreateDocument(t, inst, owner, map[string]any{"residence_id": residences[i%3],
			"title": fmt.Sprintf("Document %d", i+1)})
	}
	board := apptest.Expect[client.Board](t, inst, apptest.Request{Method: http.MethodGet, Path: "/tasks",
		Token: owner.Token}, http.StatusOK)
	for _, c := range board.Columns {
		require.Len(t, c.Tasks, 10, "column %s", c.Name)
	}
	return owner
}

// newOwnerToken gives the realistic account one more token, so that each latency job can make Valkey forget
// its own token without disturbing the others.
func (e *benchEnv) newOwnerToken(t *testing.T) string {
	t.Helper()
	raw := fmt.Sprintf("bench-owner-%d-%d", e.tokens.Add(1), time.Now().UnixNano())
	h := authcache.HashToken(raw)
	dbExec(t, e.directURL, "INSERT INTO auth_tokens (token_hash, user_id) VALUES ($1, $2)", h[:], e.owner.ID)
	return raw
}

// dbExec runs one statement on databaseURL.
func dbExec(t testing.TB, databaseURL, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL)
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close(ctx)) }()
	_, err = conn.Exec(ctx, sql, args...)
	require.NoError(t, err, sql)
}

// queryString returns the single text value sql yields on databaseURL.
func queryString(t testing.TB, databaseURL, sql string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, databaseURL)
	require.NoError(t, err)
	defer func() { require.NoError(t, conn.Close(ctx)) }()
	var s string
	require.NoError(t, conn.QueryRow(ctx, sql, args...).Scan(&s), sql)
	return s
}

// valkeyVersion returns "Valkey 8.0.1" or "Redis 7.0.15" from INFO server.
func valkeyVersion(t testing.TB, valkeyURL string) string {
	t.Helper()
	cl := newValkey(t, valkeyURL)
	info, err := cl.Do(context.Background(), cl.B().Info().Section("server").Build()).ToString()
	require.NoError(t, err)
	version := map[string]string{}
	for line := range strings.SplitSeq(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			version[k] = v
		}
	}
	if v := version["valkey_version"]; v != "" {
		return "Valkey " + v
	}
	return "Redis " + version["redis_version"]
}
