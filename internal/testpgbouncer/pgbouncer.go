package testpgbouncer

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnvRun names the environment variable that, set to 1, makes apptest start every API instance behind
// the shared PgBouncer (Shared) with DB_POOLER=pgbouncer-transaction: `make test-pgbouncer`. Set to
// RunPrepared, the shared PgBouncer keeps prepared statements (max_prepared_statements, 1.21+) and the
// instances run with DB_POOLER_PREPARED=true: `make test-pgbouncer-prepared`.
const EnvRun = "HOMEKEEP_TEST_PGBOUNCER"

// RunPrepared is the value of EnvRun that runs every API instance behind a PgBouncer that keeps prepared
// statements, with DB_POOLER_PREPARED=true.
const RunPrepared = "prepared"

// sharedMaxPreparedStatements is the shared PgBouncer's max_prepared_statements under RunPrepared: room for
// every hot statement, per server connection.
const sharedMaxPreparedStatements = 200

// EnvBinary names the environment variable that points the tests at a pgbouncer binary of your choice
// (for instance one built from source, for max_prepared_statements, which Debian bookworm's 1.18 lacks);
// unset, pgbouncer is looked up on PATH and then in /usr/sbin.
const EnvBinary = "HOMEKEEP_PGBOUNCER"

// ErrNotInstalled is returned when no pgbouncer binary is found; tests skip on it.
var ErrNotInstalled = errors.New("pgbouncer is not installed (Debian: apt-get install pgbouncer; .ci/run installs it)")

// ErrNoPreparedStatements is returned when Options.MaxPreparedStatements is set and the binary is older than
// 1.21, which refuses that setting; tests skip on it.
var ErrNoPreparedStatements = errors.New("max_prepared_statements needs PgBouncer 1.21 or later; point " + EnvBinary +
	" at one (README: Diagnosing a deployment, and PgBouncer)")

// startTimeout bounds waiting for pgbouncer to listen.
const startTimeout = 10 * time.Second

// PgBouncer is one running pgbouncer in transaction mode.
type PgBouncer struct {
	// Addr is where it listens (127.0.0.1:port).
	Addr string
	// Version is the first line of `pgbouncer --version`, e.g. "PgBouncer 1.18.0".
	Version string
	// Binary is the pgbouncer that runs (EnvBinary, or the one found on PATH).
	Binary string
	// PreparedStatements reports whether this pgbouncer keeps protocol-level prepared statements: it is
	// 1.21 or later and runs with max_prepared_statements > 0.
	PreparedStatements bool

	cmd    *exec.Cmd
	dir    string
	exited chan struct{}
}

// Options configures a PgBouncer. Zero values give transaction mode in front of 127.0.0.1:5432 with 20
// server connections per database and user.
type Options struct {
	// Upstream is PostgreSQL's host:port.
	Upstream string
	// PoolSize is default_pool_size: server connections per database and user pair.
	PoolSize int
	// Extra lines for the [pgbouncer] section.
	Extra []string
	// ServerIdleTimeout is server_idle_timeout; zero gives 5 s (see ini). The bench keeps pgbouncer's own
	// default (600 s) so that its after-idle latencies measure Homekeep, not pgbouncer reconnecting.
	ServerIdleTimeout time.Duration
	// MaxPreparedStatements is max_prepared_statements: above 0, pgbouncer keeps protocol-level prepared
	// statements for its clients across server connections. It needs 1.21 or later: with an older binary
	// Start skips the test (ErrNoPreparedStatements).
	MaxPreparedStatements int
}

func (o Options) withDefaults() Options {
	if o.Upstream == "" {
		o.Upstream = "127.0.0.1:5432"
	}
	if o.PoolSize == 0 {
		o.PoolSize = 20
	}
	if o.ServerIdleTimeout == 0 {
		o.ServerIdleTimeout = 5 * time.Second
	}
	return o
}

// Start runs a pgbouncer for this test and stops it when the test ends. The test is skipped when
// pgbouncer is not installed, and fails when it does not start.
func Start(t testing.TB, o Options) *PgBouncer {
	t.Helper()
	pb, err := start(o, false)
	if errors.Is(err, ErrNotInstalled) || errors.Is(err, ErrNoPreparedStatements) {
		t.Skipf("testpgbouncer: %v", err)
	}
	if err != nil {
		t.Fatalf("testpgbouncer: %v", err)
	}
	t.Cleanup(pb.Stop)
	return pb
}

// Launch starts a pgbouncer and returns it, for callers that handle its absence themselves (the bench notes
// it in its results); the caller stops it. ErrNotInstalled and ErrNoPreparedStatements say why it could not.
func Launch(o Options) (*PgBouncer, error) { return start(o, false) }

var shared struct {
	once sync.Once
	pb   *PgBouncer
	err  error
}

// Shared returns one pgbouncer for the whole test process, started on first use and stopped when the
// process exits (the kernel signals it then: Pdeathsig). apptest uses it under EnvRun, so hundreds of
// instances do not each start their own. It fails the test when pgbouncer is missing rather than
// skipping: whoever set EnvRun asked for PgBouncer.
func Shared(t testing.TB) *PgBouncer {
	t.Helper()
	shared.once.Do(func() {
		o := Options{PoolSize: 40}
		if Prepared() {
			o.MaxPreparedStatements = sharedMaxPreparedStatements
		}
		shared.pb, shared.err = start(o, true)
	})
	if shared.err != nil {
		t.Fatalf("testpgbouncer: %s=1 but: %v", EnvRun, shared.err)
	}
	return shared.pb
}

// Enabled reports whether EnvRun asks for every API instance behind PgBouncer.
func Enabled() bool { return os.Getenv(EnvRun) == "1" || Prepared() }

// Prepared reports whether EnvRun asks for the shared PgBouncer to keep prepared statements, and the
// instances behind it to prepare their hot statements (DB_POOLER_PREPARED=true).
func Prepared() bool { return os.Getenv(EnvRun) == RunPrepared }

// URL returns databaseURL (a PostgreSQL URL for the upstream server) pointed at this pgbouncer instead,
// with the same user, database and parameters. sslmode=disable: pgbouncer here serves no TLS.
func (pb *PgBouncer) URL(t testing.TB, databaseURL string) string {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatalf("testpgbouncer: error parsing %q: %v", databaseURL, err)
	}
	u.Host = pb.Addr
	q := u.Query()
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return u.String()
}

// ini renders the configuration: every database name passes through to the upstream server, trust
// authentication (the test PostgreSQL trusts loopback), transaction pooling, no Unix socket.
func ini(dir, listen string, o Options) (string, error) {
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
		"admin_users = postgres", // Stats reads SHOW STATS on the admin console
		"auth_file = " + filepath.Join(dir, "userlist.txt"),
		"pool_mode = transaction",
		"max_client_conn = 2000",
		"default_pool_size = " + strconv.Itoa(o.PoolSize),
		// Test databases are created and dropped by the hundred; a pool for a dropped one must not linger
		// with server connections that make DROP DATABASE wait.
		"server_idle_timeout = " + strconv.Itoa(int(o.ServerIdleTimeout/time.Second)),
		"ignore_startup_parameters = extra_float_digits",
		"logfile = " + filepath.Join(dir, "pgbouncer.log"),
		"log_connections = 0",
		"log_disconnections = 0",
	}
	if o.MaxPreparedStatements > 0 {
		lines = append(lines, "max_prepared_statements = "+strconv.Itoa(o.MaxPreparedStatements))
	}
	lines = append(lines, o.Extra...)
	return strings.Join(append(lines, ""), "\n"), nil
}

// start finds the binary, writes the configuration into a directory of its own and starts pgbouncer on
// a free port. PgBouncer refuses to run as root, so as root it runs as the postgres system user (as
// internal/pgembed runs PostgreSQL). Pdeathsig stops it if the test process dies without stopping it. A
// test's own pgbouncer is started from a goroutine locked to its OS thread that waits for it (Pdeathsig
// follows the thread that started the child, and a locked thread lives until its goroutine ends); the
// shared one is started from the caller's thread, which the Go runtime keeps for the process's life.
func start(o Options, shared bool) (*PgBouncer, error) {
	o = o.withDefaults()
	bin, version, err := Binary()
	if err != nil {
		return nil, err
	}
	if o.MaxPreparedStatements > 0 && !SupportsPreparedStatements(version) {
		return nil, fmt.Errorf("%s is %s: %w", bin, version, ErrNoPreparedStatements)
	}

	// Not t.TempDir: its directories are private to root, and pgbouncer may run as postgres.
	dir, err := os.MkdirTemp("", "homekeep-test-pgbouncer-")
	if err != nil {
		return nil, fmt.Errorf("error creating pgbouncer's directory: %w", err)
	}
	listen, err := freeAddr()
	if err != nil {
		return nil, err
	}
	conf, err := ini(dir, listen, o)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "pgbouncer.ini"), []byte(conf), 0o644); err != nil { //nolint:gosec // G306: pgbouncer may run as another user
		return nil, fmt.Errorf("error writing pgbouncer.ini: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "userlist.txt"), []byte(`"postgres" ""`+"\n"), 0o644); err != nil { //nolint:gosec // G306: as above; it holds no secret
		return nil, fmt.Errorf("error writing userlist.txt: %w", err)
	}
	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini")) //nolint:gosec // G204: as above
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
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
	pb := &PgBouncer{Addr: listen, Version: version, Binary: bin, PreparedStatements: o.MaxPreparedStatements > 0,
		cmd: cmd, dir: dir}
	if shared {
		// No goroutine waits for it (it outlives every test, and goleak checks for goroutines after them).
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("error starting pgbouncer: %w", err)
		}
	} else {
		pb.exited = make(chan struct{})
		started := make(chan error, 1)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread ends with the child (see start's comment)
			if err := cmd.Start(); err != nil {
				started <- fmt.Errorf("error starting pgbouncer: %w", err)
				return
			}
			started <- nil
			_ = cmd.Wait()
			close(pb.exited)
		}()
		if err := <-started; err != nil {
			return nil, err
		}
	}
	deadline := time.Now().Add(startTimeout)
	for {
		c, err := net.DialTimeout("tcp", listen, time.Second)
		if err == nil {
			_ = c.Close()
			if shared {
				// Nothing stops it to clean up after it; it has read its configuration and keeps its log open.
				_ = os.RemoveAll(dir)
			}
			return pb, nil
		}
		select {
		case <-pb.exited: // nil for a shared one: never ready
			return nil, fmt.Errorf("pgbouncer exited at start: %s", pb.LogTail())
		default:
		}
		if time.Now().After(deadline) {
			if !shared {
				pb.Stop()
			}
			return nil, fmt.Errorf("pgbouncer not listening on %s after %s: %s", listen, startTimeout, pb.LogTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop shuts a test's pgbouncer down at once (SIGINT: close every connection and exit) and removes its
// directory. The shared one is never stopped: it ends with the test process.
func (pb *PgBouncer) Stop() {
	if pb.exited == nil {
		return
	}
	_ = pb.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-pb.exited:
	case <-time.After(10 * time.Second):
		_ = pb.cmd.Process.Kill()
		<-pb.exited
	}
	_ = os.RemoveAll(pb.dir)
}

// LogTail returns the end of pgbouncer's log, for failure messages.
func (pb *PgBouncer) LogTail() string {
	b, _ := os.ReadFile(filepath.Join(pb.dir, "pgbouncer.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// freeAddr returns a loopback address with a port nothing listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("error finding a free port for pgbouncer: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
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

// Binary returns the pgbouncer the tests run and the first line of its --version: EnvBinary when set (an
// error when it does not run), otherwise pgbouncer on PATH or in /usr/sbin (ErrNotInstalled when neither).
func Binary() (bin, version string, err error) {
	if bin = os.Getenv(EnvBinary); bin == "" {
		if bin, err = exec.LookPath("pgbouncer"); err != nil {
			if bin, err = exec.LookPath("/usr/sbin/pgbouncer"); err != nil {
				return "", "", ErrNotInstalled
			}
		}
	}
	out, err := exec.Command(bin, "--version").Output() //nolint:gosec // G204: the binary found on PATH or named by EnvBinary
	if err != nil {
		return "", "", fmt.Errorf("error running %s --version (%s): %w", bin, EnvBinary, err)
	}
	return bin, strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]), nil
}

// SupportsPreparedStatements reports whether version (a `pgbouncer --version` line such as
// "PgBouncer 1.24.1") is 1.21 or later, the first release with max_prepared_statements.
func SupportsPreparedStatements(version string) bool {
	fields := strings.Fields(version)
	if len(fields) < 2 {
		return false
	}
	parts := strings.SplitN(fields[1], ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return major > 1 || (major == 1 && minor >= 21)
}
