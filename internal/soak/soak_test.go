package soak

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/bench"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testdb"
)

// reportPath is bench/soak.md, seen from this package's directory (go test's working directory).
const reportPath = "../../bench/soak.md"

// TestSoak is `make soak` (HOMEKEEP_SOAK=1): `homekeep serve`, built from the tree, as a child process on a
// fresh database, Valkey under a key prefix of its own and files in a temporary directory, held under the
// mixed load for SOAK_DURATION (10m) at SOAK_RATE (100) requests/s; writes bench/soak.md and fails on any
// failed request or check. It is a measurement, not a test: without HOMEKEEP_SOAK it skips.
func TestSoak(t *testing.T) {
	if os.Getenv("HOMEKEEP_SOAK") == "" {
		t.Skip("a measurement, not a test: run it with `make soak`")
	}
	cfg := Config{Logf: t.Logf}
	var err error
	if v := os.Getenv("SOAK_DURATION"); v != "" {
		cfg.Duration, err = time.ParseDuration(v)
		require.NoError(t, err, "SOAK_DURATION")
	}
	if v := os.Getenv("SOAK_WARMUP"); v != "" {
		cfg.Warmup, err = time.ParseDuration(v)
		require.NoError(t, err, "SOAK_WARMUP")
	}
	if v := os.Getenv("SOAK_RATE"); v != "" {
		cfg.Rate, err = strconv.ParseFloat(v, 64)
		require.NoError(t, err, "SOAK_RATE")
	}
	if v := os.Getenv("SOAK_USERS"); v != "" {
		cfg.Users, err = strconv.Atoi(v)
		require.NoError(t, err, "SOAK_USERS")
	}
	out := reportPath
	if v := os.Getenv("SOAK_OUT"); v != "" {
		out = v
	}

	ctx := context.Background()
	buildCtx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	bin, err := bench.GoBuild(buildCtx, t.TempDir(), "github.com/homekeep/homekeep/cmd/homekeep")
	require.NoError(t, err)
	cfg.DatabaseURL = testdb.New(t)
	valkeyURL, prefix := apptest.SharedValkey(t)
	cfg.FilesDir = filepath.Join(t.TempDir(), "files")
	addr := bench.FreeAddr(t)
	env := bench.EnvList(map[string]string{"DATABASE_URL": cfg.DatabaseURL, "HTTP_ADDR": addr,
		"VALKEY_URL": valkeyURL, "CACHE_KEY_PREFIX": prefix, "FILE_STORAGE_URL": "file://" + cfg.FilesDir})
	proc := bench.StartServer(t, "homekeep", bin, []string{"serve", "--no-migrate"}, env, addr, "/readyz")
	cfg.BaseURL, cfg.PID = proc.URL, proc.Pid()
	cfg.Server = "`homekeep serve`, built from the tree, as a child process with the defaults (`DB_MAX_CONNS` 20, " +
		"`DB_MIN_CONNS` 10, `BOARD_CACHE_SIZE` 16 MiB, `USER_CACHE_SIZE` 5,000, `AUTH_RATE_LIMIT` 10, Argon2id " +
		"19 MiB × 2, job workers on, the access log at info level to a file); PostgreSQL and Valkey on loopback " +
		"(a fresh database and a Valkey key prefix of its own, on the servers the machine's other work was using too); uploads in a " +
		"directory (`FILE_STORAGE_URL` file://)"

	rep, err := Run(ctx, cfg)
	if rep != nil {
		require.NoError(t, os.WriteFile(out, []byte(rep.Markdown()), 0o644)) //nolint:gosec // G306: a report for the repository
		t.Logf("soak: wrote %s", out)
	}
	require.NoError(t, err)
	if f := rep.Failures(); len(f) > 0 {
		t.Errorf("soak failed: %s\nserver log: %s", strings.Join(f, "; "), proc.Tail())
	}
}

// TestSoakSmoke runs the whole harness for a few seconds at a low rate against an in-process instance (with
// the production sign-in limit, so the per-user addresses are exercised), and shows that the consistency
// checks catch a drifted completion count and a stray file.
func TestSoakSmoke(t *testing.T) {
	t.Parallel()
	filesDir := filepath.Join(t.TempDir(), "files")
	inst := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) {
		c.FileStorageURL = "file://" + filesDir
		c.AuthRateLimit = 10
	}})
	ctx := context.Background()
	rep, err := Run(ctx, Config{BaseURL: inst.URL, DatabaseURL: inst.DatabaseURL, FilesDir: filesDir, Users: 12,
		Rate: 40, Warmup: time.Second, Duration: 3 * time.Second, Logf: t.Logf})
	require.NoError(t, err)
	require.Empty(t, rep.Failures(), rep.Markdown())
	require.Greater(t, rep.Total.OK, int64(80), "about 40 requests/s for 3 s")
	require.NotEmpty(t, rep.Checks)
	require.Positive(t, rep.Acked.Keyed, "creating requests carry Idempotency-Keys")
	md := rep.Markdown()
	for _, want := range []string{"Verdict: **passed**", "| board |", "| **all** |", "completion rows = sum of tasks.completion_count",
		"| api |"} {
		require.Contains(t, md, want)
	}

	// Break the data the way a lost or doubled write would, and the checks must say so.
	conn, err := pgx.Connect(ctx, inst.DatabaseURL)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `UPDATE tasks SET completion_count = completion_count + 1
		WHERE id = (SELECT min(id) FROM tasks)`)
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))
	require.NoError(t, os.MkdirAll(filepath.Join(filesDir, "stray"), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(filesDir, "stray", "file"), []byte("x"), 0o600))
	d := &driver{}
	d.acked.completions.Store(rep.Acked.Completions)
	d.acked.tasks.Store(rep.Acked.Tasks)
	checks, err := consistency(ctx, inst.DatabaseURL, filesDir, 12, &d.acked)
	require.NoError(t, err)
	failed := map[string]bool{}
	for _, c := range checks {
		if !c.OK {
			failed[c.Name] = true
		}
	}
	require.True(t, failed["completion rows = sum of tasks.completion_count"], "%+v", checks)
	require.True(t, failed["files on disk without a document row"], "%+v", checks)
}
