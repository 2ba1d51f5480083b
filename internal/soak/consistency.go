package soak

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// Check is one consistency check after the run: what was expected, what was found.
type Check struct {
	Name      string
	Want, Got string
	OK        bool
}

func eq(name string, want, got int64) Check {
	return Check{Name: name, Want: strconv.FormatInt(want, 10), Got: strconv.FormatInt(got, 10), OK: want == got}
}

// countQueries must each find zero rows: orphans (foreign keys should make them impossible; the check says
// they did) and usage counters that drifted from what they count.
var countQueries = []struct{ name, sql string }{
	{"completions without their task", `SELECT count(*) FROM task_completions c LEFT JOIN tasks t ON t.id = c.task_id WHERE t.id IS NULL`},
	{"tasks without their residence", `SELECT count(*) FROM tasks t LEFT JOIN residences r ON r.id = t.residence_id WHERE r.id IS NULL`},
	{"memberships without their user or residence", `SELECT count(*) FROM residence_members m
		LEFT JOIN users u ON u.id = m.user_id LEFT JOIN residences r ON r.id = m.residence_id WHERE u.id IS NULL OR r.id IS NULL`},
	{"documents without their residence", `SELECT count(*) FROM documents d LEFT JOIN residences r ON r.id = d.residence_id WHERE r.id IS NULL`},
	{"contractors without their residence", `SELECT count(*) FROM contractors c LEFT JOIN residences r ON r.id = c.residence_id
		WHERE c.residence_id IS NOT NULL AND r.id IS NULL`},
	{"tokens without their user", `SELECT count(*) FROM auth_tokens a LEFT JOIN users u ON u.id = a.user_id WHERE u.id IS NULL`},
	{"residences whose usage counters differ from their rows", `SELECT count(*) FROM residences r
		LEFT JOIN residence_usage ru ON ru.residence_id = r.id
		WHERE ru.residence_id IS NULL
		   OR ru.tasks <> (SELECT count(*) FROM tasks t WHERE t.residence_id = r.id)
		   OR ru.contractors <> (SELECT count(*) FROM contractors c WHERE c.residence_id = r.id)
		   OR ru.documents <> (SELECT count(*) FROM documents d WHERE d.residence_id = r.id)
		   OR ru.file_bytes <> (SELECT coalesce(sum(d.size_bytes), 0) FROM documents d WHERE d.residence_id = r.id)`},
}

// consistency checks the database (and the file store, when filesDir is set) after the run: completions
// against completion_count, every acknowledged write present exactly once, no orphan rows, no file without
// its document and no document without its file.
func consistency(ctx context.Context, databaseURL, filesDir string, users int, a *acked) ([]Check, error) {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return nil, fmt.Errorf("error connecting for the consistency checks: %w", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	one := func(sql string) (int64, error) {
		var n int64
		if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
			return 0, fmt.Errorf("error running %q: %w", sql, err)
		}
		return n, nil
	}

	var checks []Check
	completions, err := one(`SELECT count(*) FROM task_completions`)
	if err != nil {
		return nil, err
	}
	sum, err := one(`SELECT coalesce(sum(completion_count), 0) FROM tasks`)
	if err != nil {
		return nil, err
	}
	checks = append(checks, eq("completion rows = sum of tasks.completion_count", sum, completions))
	for _, c := range []struct {
		name string
		want int64
		sql  string
	}{
		{"completion rows = completions acknowledged (201)", a.completions.Load(), `SELECT count(*) FROM task_completions`},
		{"tasks = tasks acknowledged", a.tasks.Load(), `SELECT count(*) FROM tasks`},
		{"contractors = contractors acknowledged", a.contractors.Load(), `SELECT count(*) FROM contractors`},
		{"documents = uploads acknowledged", a.documents.Load(), `SELECT count(*) FROM documents`},
		{"stored bytes = bytes of the uploads acknowledged", a.documentBytes.Load(),
			`SELECT coalesce(sum(size_bytes), 0) FROM documents`},
		{"memberships = users + joins acknowledged (joined: true)", int64(users) + a.joins.Load(),
			`SELECT count(*) FROM residence_members`},
		{"users = users registered", int64(users), `SELECT count(*) FROM users`},
	} {
		n, err := one(c.sql)
		if err != nil {
			return nil, err
		}
		checks = append(checks, eq(c.name, c.want, n))
	}
	for _, q := range countQueries {
		n, err := one(q.sql)
		if err != nil {
			return nil, err
		}
		checks = append(checks, eq(q.name, 0, n))
	}
	if filesDir == "" {
		return checks, nil
	}

	keys := map[string]bool{}
	rows, err := conn.Query(ctx, `SELECT storage_key FROM documents WHERE storage_key IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("error listing storage keys: %w", err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("error listing storage keys: %w", err)
		}
		keys[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error listing storage keys: %w", err)
	}
	files, err := storedFiles(filesDir)
	if err != nil {
		return nil, err
	}
	var missing, extra int64
	for k := range keys {
		if !files[k] {
			missing++
		}
	}
	for f := range files {
		if !keys[f] {
			extra++
		}
	}
	checks = append(checks, eq("documents whose file is missing on disk", 0, missing),
		eq("files on disk without a document row", 0, extra),
		eq("files on disk = uploads acknowledged", a.documents.Load(), int64(len(files))))
	return checks, nil
}

// storedFiles lists the regular files under dir by their path relative to it (a blob's key).
func storedFiles(dir string) (map[string]bool, error) {
	files := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err == nil {
			files[filepath.ToSlash(rel)] = true
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("error listing the stored files: %w", err)
	}
	return files, nil
}
