package subscriptions_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
)

// usageWorld is one test's transaction on a migrated database.
type usageWorld struct {
	t  *testing.T
	tx pgx.Tx
	n  int
}

func newUsageWorld(t *testing.T) *usageWorld {
	t.Helper()
	tx, err := testdb.Pool(t).Begin(t.Context())
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback(context.WithoutCancel(t.Context())) })
	return &usageWorld{t: t, tx: tx}
}

func (w *usageWorld) id(sql string, args ...any) int64 {
	w.t.Helper()
	var id int64
	require.NoError(w.t, w.tx.QueryRow(w.t.Context(), sql, args...).Scan(&id), sql)
	return id
}

func (w *usageWorld) exec(sql string, args ...any) {
	w.t.Helper()
	_, err := w.tx.Exec(w.t.Context(), sql, args...)
	require.NoError(w.t, err, sql)
}

func (w *usageWorld) user() int64 {
	w.n++
	return w.id(`INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`, fmt.Sprintf("usage%d@example.com", w.n))
}

func (w *usageWorld) residence(owner int64) int64 {
	id := w.id(`INSERT INTO residences (owner_id, name) VALUES ($1, 'Home') RETURNING id`, owner)
	w.exec(`INSERT INTO residence_members (residence_id, user_id, role) VALUES ($1, $2, 'owner')`, id, owner)
	return id
}

// drift lists every usage counter that differs from a count of the rows it counts.
func (w *usageWorld) drift() []string {
	rows, err := w.tx.Query(w.t.Context(), `
		SELECT 'user ' || u.user_id || ' ' || x.what || ': counter ' || x.counter || ', rows ' || x.actual
		FROM user_usage u CROSS JOIN LATERAL (VALUES
			('residences', u.residences::bigint, (SELECT count(*) FROM residences r WHERE r.owner_id = u.user_id)),
			('contractors', u.contractors::bigint, (SELECT count(*) FROM contractors c WHERE c.residence_id IS NULL AND c.created_by = u.user_id))
		) x (what, counter, actual)
		WHERE x.counter <> x.actual
		UNION ALL
		SELECT 'residence ' || ru.residence_id || ' ' || x.what || ': counter ' || x.counter || ', rows ' || x.actual
		FROM residence_usage ru CROSS JOIN LATERAL (VALUES
			('tasks', ru.tasks::bigint, (SELECT count(*) FROM tasks t WHERE t.residence_id = ru.residence_id)),
			('contractors', ru.contractors::bigint, (SELECT count(*) FROM contractors c WHERE c.residence_id = ru.residence_id)),
			('documents', ru.documents::bigint, (SELECT count(*) FROM documents d WHERE d.residence_id = ru.residence_id)),
			('file_bytes', ru.file_bytes, (SELECT coalesce(sum(d.size_bytes), 0) FROM documents d WHERE d.residence_id = ru.residence_id))
		) x (what, counter, actual)
		WHERE x.counter <> x.actual
		UNION ALL
		SELECT 'user ' || u.id || ' has no usage row' FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_usage x WHERE x.user_id = u.id)
		UNION ALL
		SELECT 'residence ' || r.id || ' has no usage row' FROM residences r
		WHERE NOT EXISTS (SELECT 1 FROM residence_usage x WHERE x.residence_id = r.id)`)
	require.NoError(w.t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(w.t, err)
	return got
}

// TestUsageCountersFollowEveryChange runs a random mix of the changes the API makes (creates, deletes, moves,
// transfers, file replacements, residence and account deletions) and requires after each that every usage
// counter equals a count of its rows.
func TestUsageCountersFollowEveryChange(t *testing.T) {
	t.Parallel()
	w := newUsageWorld(t)
	users := []int64{w.user(), w.user(), w.user()}
	var residences []int64
	for _, u := range users {
		residences = append(residences, w.residence(u))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(ids []int64) int64 { return ids[rng.IntN(len(ids))] }
	steps := []struct {
		name string
		do   func()
	}{
		{"create a residence", func() { residences = append(residences, w.residence(pick(users))) }},
		{"create a task", func() { w.exec(`INSERT INTO tasks (residence_id, title) VALUES ($1, 't')`, pick(residences)) }},
		{"delete a task", func() {
			w.exec(`DELETE FROM tasks WHERE id = (SELECT id FROM tasks ORDER BY random() LIMIT 1)`)
		}},
		{"move a task", func() {
			w.exec(`UPDATE tasks SET residence_id = $1 WHERE id = (SELECT id FROM tasks ORDER BY random() LIMIT 1)`, pick(residences))
		}},
		{"create a residence contractor", func() {
			w.exec(`INSERT INTO contractors (residence_id, created_by, name) VALUES ($1, $2, 'c')`, pick(residences), pick(users))
		}},
		{"create a personal contractor", func() {
			w.exec(`INSERT INTO contractors (residence_id, created_by, name) VALUES (NULL, $1, 'c')`, pick(users))
		}},
		{"make a contractor personal", func() {
			w.exec(`UPDATE contractors SET residence_id = NULL WHERE id = (SELECT id FROM contractors ORDER BY random() LIMIT 1)`)
		}},
		{"delete a contractor", func() {
			w.exec(`DELETE FROM contractors WHERE id = (SELECT id FROM contractors ORDER BY random() LIMIT 1)`)
		}},
		{"upload a document", func() {
			w.exec(`INSERT INTO documents (residence_id, title, size_bytes, storage_key) VALUES ($1, 'd', $2, $3)`,
				pick(residences), rng.Int64N(1<<20), fmt.Sprintf("k%d", rng.Int64()))
		}},
		{"create a document without a file", func() {
			w.exec(`INSERT INTO documents (residence_id, title) VALUES ($1, 'd')`, pick(residences))
		}},
		{"replace a file", func() {
			w.exec(`UPDATE documents SET size_bytes = $1 WHERE id = (SELECT id FROM documents ORDER BY random() LIMIT 1)`, rng.Int64N(1<<20))
		}},
		{"delete a document", func() {
			w.exec(`DELETE FROM documents WHERE id = (SELECT id FROM documents ORDER BY random() LIMIT 1)`)
		}},
		{"transfer a residence", func() {
			w.exec(`UPDATE residences SET owner_id = $1 WHERE id = $2`, pick(users), pick(residences))
		}},
		{"delete a residence with everything in it", func() {
			if len(residences) < 3 {
				return
			}
			i := rng.IntN(len(residences))
			w.exec(`DELETE FROM residences WHERE id = $1`, residences[i])
			residences = append(residences[:i], residences[i+1:]...)
		}},
	}
	for i := range 400 {
		s := steps[rng.IntN(len(steps))]
		s.do()
		require.Empty(t, w.drift(), "after step %d (%s)", i, s.name)
	}
	var tasks int
	require.NoError(t, w.tx.QueryRow(t.Context(), `SELECT count(*) FROM tasks`).Scan(&tasks))
	require.Positive(t, tasks, "the mix left something to count")
}

func TestUserTier(t *testing.T) {
	t.Parallel()
	w := newUsageWorld(t)
	tier := func(u int64) string {
		var s string
		require.NoError(t, w.tx.QueryRow(t.Context(), `SELECT user_tier($1)`, u).Scan(&s))
		return s
	}
	for _, tc := range []struct {
		name  string
		until *time.Time
		want  string
		row   bool
	}{
		{name: "NoSubscriptionIsFree", want: "free"},
		{name: "AGrantWithoutEndIsPro", row: true, want: "pro"},
		{name: "EntitledUntilLaterIsPro", row: true, until: ptr(time.Now().Add(time.Hour)), want: "pro"},
		{name: "PastEntitledUntilIsFreeWithoutAJob", row: true, until: ptr(time.Now().Add(-time.Second)), want: "free"},
	} {
		u := w.user()
		if tc.row {
			w.exec(`INSERT INTO subscriptions (user_id, tier, source, entitled_until) VALUES ($1, 'pro', 'admin', $2)`, u, tc.until)
		}
		require.Equal(t, tc.want, tier(u), tc.name)
	}
}

func ptr[T any](v T) *T { return &v }
