package bench

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ErrNoPgBouncer is returned by StartPgBouncer when no pgbouncer binary is installed; the bench notes it in
// the results instead of failing.
var ErrNoPgBouncer = errors.New("pgbouncer is not installed (Debian: apt-get install pgbouncer)")

// PgBouncer is a pgbouncer in transaction mode that the bench runs in front of PostgreSQL, the way
// DB_POOLER=pgbouncer-transaction expects to be deployed.
type PgBouncer struct {
	// Addr is where it listens (host:port).
	Addr    string
	Version string
	cmd     *exec.Cmd
	dir     string
	exited  chan struct{}
}

// PgBouncerOptions configures StartPgBouncer.
type PgBouncerOptions struct {
	// Upstream is PostgreSQL's host:port.
	Upstream string
	// PoolSize is how many server connections each database and user pair gets.
	PoolSize int
}

// pgBouncerINI renders the configuration: any database name is passed through to Upstream, trust
// authentication (the bench's PostgreSQL trusts loopback), transaction pooling, no Unix socket.
func pgBouncerINI(dir string, listen string, o PgBouncerOptions) (string, error) {
	lhost, lport, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("error parsing listen address %q: %w", listen, err)
	}
	uhost, uport, err := net.SplitHostPort(o.Upstream)
	if err != nil {
		return "", fmt.Errorf("error parsing upstream address %q: %w", o.Upstream, err)
	}
	lines := []string{
		"[databases]",
		fmt.Sprintf("* = host=%s port=%s", uhost, uport),
		"[pgbouncer]",
		"listen_addr = " + lhost,
		"listen_port = " + lport,
		"unix_socket_dir =",
		"auth_type = trust",
		"auth_file = " + filepath.Join(dir, "userlist.txt"),
		"pool_mode = transaction",
		"max_client_conn = 1000",
		"default_pool_size = " + strconv.Itoa(o.PoolSize),
		"ignore_startup_parameters = extra_float_digits",
		"logfile = " + filepath.Join(dir, "pgbouncer.log"),
		"log_connections = 0",
		"log_disconnections = 0",
		"",
	}
	return strings.Join(lines, "\n"), nil
}

// StartPgBouncer starts pgbouncer as a child process with a generated configuration in a temporary
// directory and stops it when the test ends. PgBouncer refuses to run as root, so as root it runs as the
// postgres system user (as internal/pgembed runs PostgreSQL). It returns ErrNoPgBouncer when the binary is
// missing.
func StartPgBouncer(t testing.TB, o PgBouncerOptions) (*PgBouncer, error) {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/pgbouncer"); err != nil {
			return nil, ErrNoPgBouncer
		}
	}
	out, err := exec.Command(bin, "--version").Output() //nolint:gosec // G204: the binary found on PATH
	if err != nil {
		return nil, fmt.Errorf("error running %s --version: %w", bin, err)
	}
	version := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])

	// Not t.TempDir: its directories are private to root, and pgbouncer may run as postgres.
	dir, err := os.MkdirTemp("", "homekeep-bench-pgbouncer-")
	if err != nil {
		return nil, fmt.Errorf("error creating pgbouncer's directory: %w", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	listen := FreeAddr(t)
	ini, err := pgBouncerINI(dir, listen, o)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "pgbouncer.ini"), []byte(ini), 0o644); err != nil { //nolint:gosec // G306: pgbouncer may run as another user
		return nil, fmt.Errorf("error writing pgbouncer.ini: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "userlist.txt"), []byte(`"postgres" ""`+"\n"), 0o644); err != nil { //nolint:gosec // G306: as above; it holds no secret
		return nil, fmt.Errorf("error writing userlist.txt: %w", err)
	}
	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini")) //nolint:gosec // G204: as above
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if os.Geteuid() == 0 {
		uid, gid, err := postgresIDs()
		if err != nil {
			return nil, err
		}
		if err := os.Chown(dir, int(uid), int(gid)); err != nil {
			return nil, fmt.Errorf("error handing pgbouncer's directory to postgres: %w", err)
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("error starting pgbouncer: %w", err)
	}
	pb := &PgBouncer{Addr: listen, Version: version, cmd: cmd, dir: dir, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(pb.exited) }()
	t.Cleanup(pb.stop)

	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", listen, time.Second)
		if err == nil {
			_ = c.Close()
			return pb, nil
		}
		select {
		case <-pb.exited:
			return nil, fmt.Errorf("pgbouncer exited at start: %s", pb.logTail())
		default:
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("pgbouncer not listening after 10 s: %s", pb.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop shuts pgbouncer down at once (SIGTERM) and waits for it.
func (pb *PgBouncer) stop() {
	_ = pb.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-pb.exited:
	case <-time.After(10 * time.Second):
		_ = pb.cmd.Process.Kill()
		<-pb.exited
	}
}

// logTail returns the end of pgbouncer's log.
func (pb *PgBouncer) logTail() string {
	b, _ := os.ReadFile(filepath.Join(pb.dir, "pgbouncer.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// postgresIDs returns the uid and gid of the postgres system user.
func postgresIDs() (uid, gid uint32, err error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return 0, 0, fmt.Errorf("error finding the postgres system user to run pgbouncer as (it refuses root): %w", err)
	}
	id, err1 := strconv.ParseUint(u.Uid, 10, 32)
	g, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("error reading the ids of the postgres system user: %w", err)
	}
	return uint32(id), uint32(g), nil
}
