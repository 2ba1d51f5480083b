package pgembed

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testBase returns a fresh directory the postgres system user can traverse. t.TempDir's parent is created
// 0700, which hides it from that user when the tests run as root.
func testBase(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "pgembed-test-")
	if err != nil {
		t.Fatalf("MkdirTemp: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatalf("Chmod: %v", err)
	}
	return base
}

// startCluster starts a cluster in dir, skipping the test when PostgreSQL is not installed, and stops it at the
// end of the test if the test did not.
func startCluster(t *testing.T, dir string) *Cluster {
	t.Helper()
	c, err := Start(t.Context(), Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if errors.Is(err, ErrNoBinaries) {
		t.Skipf("PostgreSQL not installed: %v", err)
	}
	if err != nil {
		t.Fatalf("Start(%s): %v", dir, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = c.Stop(ctx)
	})
	return c
}

func stopCluster(t *testing.T, c *Cluster) {
	t.Helper()
	if err := c.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

// execSQL runs sql on the cluster over c.URL, which also proves pgx accepts that URL.
func execSQL(t *testing.T, c *Cluster, sql string) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.URL())
	if err != nil {
		t.Fatalf("pgx.Connect(%s): %v", c.URL(), err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatalf("Exec(%q): %v", sql, err)
	}
}

func selectOne(t *testing.T, c *Cluster) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.URL())
	if err != nil {
		t.Fatalf("pgx.Connect(%s): %v", c.URL(), err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), "SELECT 1").Scan(&n); err != nil {
		t.Fatalf("SELECT 1: %v", err)
	}
	if n != 1 {
		t.Fatalf("SELECT 1 = %d, want 1", n)
	}
}

// TestStartStopReuse starts a cluster in a directory whose name needs quoting, stops it, and starts it again:
// the second start must reuse the cluster and its data rather than run initdb.
func TestStartStopReuse(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testBase(t), "data dir's")

	c := startCluster(t, dir)
	if !c.initialised {
		t.Fatalf("first Start: initialised = false, want true")
	}
	if c.socketDir != dir {
		t.Fatalf("socket dir = %s, want the data dir %s", c.socketDir, dir)
	}
	selectOne(t, c)
	execSQL(t, c, "CREATE TABLE survives_restart (id int)")
	before, err := os.Stat(filepath.Join(dir, "PG_VERSION"))
	if err != nil {
		t.Fatalf("stat PG_VERSION: %v", err)
	}
	stopCluster(t, c)
	if err := c.Stop(t.Context()); err != nil {
		t.Fatalf("second Stop: %v, want nil", err)
	}

	c = startCluster(t, dir)
	if c.initialised {
		t.Fatalf("second Start: initialised = true, want false (reuse)")
	}
	after, err := os.Stat(filepath.Join(dir, "PG_VERSION"))
	if err != nil {
		t.Fatalf("stat PG_VERSION: %v", err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Fatalf("PG_VERSION modified at %v, want unchanged %v", after.ModTime(), before.ModTime())
	}
	selectOne(t, c)
	execSQL(t, c, "SELECT * FROM survives_restart")
	stopCluster(t, c)
}

// TestStartStopsLeftoverServer covers `make run` after a crash: the earlier server is still running, and Start
// must replace it rather than fail on the data directory being in use.
func TestStartStopsLeftoverServer(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testBase(t), "data")

	abandoned := startCluster(t, dir)
	c := startCluster(t, dir)
	if c.initialised {
		t.Fatalf("second Start: initialised = true, want false (reuse)")
	}
	if c.port == abandoned.port {
		t.Fatalf("second Start port = %d, the abandoned server's; want a fresh one", c.port)
	}
	selectOne(t, c)
	stopCluster(t, c)
}

// TestStartAfterPostmasterKilled covers a server that died without cleaning up: postmaster.pid and the
// socket lock stay behind, and Start must still bring the cluster up.
func TestStartAfterPostmasterKilled(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testBase(t), "data")

	startCluster(t, dir)
	pidFile, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		t.Fatalf("read postmaster.pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(pidFile), "\n", 2)[0])
	if err != nil {
		t.Fatalf("parse postmaster.pid: %v", err)
	}
	if pgid, err := syscall.Getpgid(pid); err != nil || pgid == syscall.Getpgrp() {
		t.Fatalf("postmaster process group = %d (err %v), want one other than ours (%d)", pgid, err, syscall.Getpgrp())
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill postmaster %d: %v", pid, err)
	}

	c := startCluster(t, dir)
	selectOne(t, c)
	stopCluster(t, c)
}

// TestStartLongPath covers data directories too deep for a unix socket: the socket goes to a temporary
// directory, which Stop removes.
func TestStartLongPath(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testBase(t), strings.Repeat("d", 60), strings.Repeat("e", 40), "data")

	c := startCluster(t, dir)
	if !c.tempSocket || c.socketDir == dir {
		t.Fatalf("socket dir = %s (temporary %v), want a temporary one", c.socketDir, c.tempSocket)
	}
	selectOne(t, c)
	stopCluster(t, c)
	if _, err := os.Stat(c.socketDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stat socket dir after Stop: %v, want not exist", err)
	}
}

// TestStartRootUntraversableParent checks that, as root, a data directory the postgres user cannot reach is
// reported before initdb fails obscurely.
func TestStartRootUntraversableParent(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to the postgres user")
	}
	if _, err := user.Lookup("postgres"); err != nil {
		t.Skipf("no postgres user: %v", err)
	}
	if _, err := findBinaries(); err != nil {
		t.Skipf("PostgreSQL not installed: %v", err)
	}
	locked := filepath.Join(testBase(t), "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatalf("Mkdir: %v", err)
	}
	_, err := Start(t.Context(), Options{Dir: filepath.Join(locked, "data")})
	if err == nil || !strings.Contains(err.Error(), "cannot enter "+locked) {
		t.Fatalf("Start error = %v, want one saying the postgres user cannot enter %s", err, locked)
	}
}

func TestLookupBinaries(t *testing.T) {
	t.Parallel()
	notFound := func(string) (string, error) { return "", exec.ErrNotFound }
	onPath := func(name string) (string, error) { return "/opt/pg/bin/" + name, nil }

	tests := []struct {
		name     string
		versions map[string][]string // version dir -> programs in its bin
		lookPath func(string) (string, error)
		want     string // directory of the programs; "" means ErrNoBinaries
	}{
		{
			name:     "PATH wins",
			versions: map[string][]string{"15": {"initdb", "pg_ctl", "postgres"}},
			lookPath: onPath,
			want:     "/opt/pg/bin",
		},
		{
			name:     "highest numeric version",
			versions: map[string][]string{"9.6": all, "10": all, "15": all, "13": all},
			lookPath: notFound,
			want:     "15",
		},
		{
			name:     "skips incomplete and non-version dirs",
			versions: map[string][]string{"14": all, "16": {"initdb", "pg_ctl"}, "17beta": all, "lib": all},
			lookPath: notFound,
			want:     "14",
		},
		{
			name:     "partial PATH falls back",
			versions: map[string][]string{"15": all},
			lookPath: func(name string) (string, error) {
				if name == "postgres" {
					return "", exec.ErrNotFound
				}
				return onPath(name)
			},
			want: "15",
		},
		{
			name:     "nothing installed",
			versions: map[string][]string{},
			lookPath: notFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			for version, programs := range tt.versions {
				bin := filepath.Join(root, version, "bin")
				if err := os.MkdirAll(bin, 0o755); err != nil {
					t.Fatalf("MkdirAll: %v", err)
				}
				for _, p := range programs {
					if err := os.WriteFile(filepath.Join(bin, p), []byte("#!/bin/sh\n"), 0o755); err != nil {
						t.Fatalf("WriteFile: %v", err)
					}
				}
			}
			got, err := lookupBinaries(tt.lookPath, root)
			if tt.want == "" {
				if !errors.Is(err, ErrNoBinaries) {
					t.Fatalf("lookupBinaries error = %v, want ErrNoBinaries", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("lookupBinaries: %v", err)
			}
			wantDir := tt.want
			if !filepath.IsAbs(wantDir) {
				wantDir = filepath.Join(root, tt.want, "bin")
			}
			want := binaries{
				initdb:   filepath.Join(wantDir, "initdb"),
				pgCtl:    filepath.Join(wantDir, "pg_ctl"),
				postgres: filepath.Join(wantDir, "postgres"),
			}
			if got != want {
				t.Fatalf("lookupBinaries = %+v, want %+v", got, want)
			}
		})
	}
}

// all lists the programs a complete bin directory holds.
var all = []string{"initdb", "pg_ctl", "postgres"}
