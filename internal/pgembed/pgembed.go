package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options configures Start.
type Options struct {
	// Dir is the data directory, e.g. "./.data/postgres". It is made absolute, created when missing, and
	// initialised on first use.
	Dir string
	// Logger receives the few start-up lines; nil means slog.Default().
	Logger *slog.Logger
}

// Cluster is a running private PostgreSQL server. Stop it when the program ends, after whatever uses it.
type Cluster struct {
	dir        string
	socketDir  string
	tempSocket bool // socketDir is a temporary directory Stop removes
	port       int
	bins       binaries
	runner     *runner
	logger     *slog.Logger

	// initialised is true when this Start ran initdb rather than reusing an existing cluster.
	initialised bool

	mu      sync.Mutex
	stopped bool
}

// maxSocketPath is the longest unix socket path the kernel accepts (sun_path is 108 bytes with the NUL).
const maxSocketPath = 107

// socketName is the longest name PostgreSQL gives its socket, for any port.
const socketName = "/.s.PGSQL.65535"

// Start starts a private cluster in opts.Dir, creating it first if needed, and waits until it accepts
// connections. A server left running in the same directory by an earlier run that did not stop it (a crash,
// a second Ctrl-C) is stopped first, so Start always ends with a server it owns on a fresh port.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if opts.Dir == "" {
		return nil, errors.New("error starting private postgres: no data directory given")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("error resolving data directory %s: %w", opts.Dir, err)
	}
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	r, err := newRunner(logger)
	if err != nil {
		return nil, err
	}
	if err := r.prepareDir(dir); err != nil {
		return nil, err
	}

	c := &Cluster{dir: dir, bins: bins, runner: r, logger: logger}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return nil, fmt.Errorf("error initialising cluster in %s: %w", dir, err)
		}
		c.initialised = true
	} else if err != nil {
		return nil, fmt.Errorf("error reading cluster in %s: %w", dir, err)
	} else if err := c.stopLeftover(ctx); err != nil {
		return nil, fmt.Errorf("error stopping the server an earlier run left in %s: %w", dir, err)
	}

	if err := c.start(ctx); err != nil {
		c.cleanupFailedStart(ctx)
		return nil, fmt.Errorf("error starting cluster in %s: %w", dir, err)
	}
	logger.Info("private PostgreSQL started", "dir", dir, "port", c.port, "socket_dir", c.socketDir,
		"initialised", c.initialised)
	return c, nil
}

// URL returns a connection URL for pgx (and libpq) that reaches the server as the postgres superuser over its
// unix socket, which needs no password and no TLS.
func (c *Cluster) URL() string {
	return "postgres:///postgres?host=" + queryEscape(c.socketDir) + "&port=" + strconv.Itoa(c.port) +
		"&user=postgres&sslmode=disable"
}

// Stop shuts the server down with pg_ctl's fast mode: it disconnects clients and stops without waiting for them.
// Call it after the code using the cluster has finished. ctx bounds the wait; a context that is already
// cancelled (such as the one a signal cancelled) kills pg_ctl at once and leaves the server running, so pass a
// fresh one, e.g. context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second). Stopping twice is a no-op.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	if err := c.runner.run(ctx, c.bins.pgCtl, "-D", c.dir, "-m", "fast", "-w", "-s", "stop"); err != nil {
		return fmt.Errorf("error stopping cluster in %s: %w", c.dir, err)
	}
	c.stopped = true
	if c.tempSocket {
		if err := os.RemoveAll(c.socketDir); err != nil {
			return fmt.Errorf("error removing socket directory %s: %w", c.socketDir, err)
		}
	}
	return nil
}

// initdb creates the cluster. Authentication is trust because only the socket inside the data directory and
// the loopback port reach it. C.UTF-8 keeps sorting independent of the machine's locale; systems without it
// fall back to C.
func (c *Cluster) initdb(ctx context.Context) error {
	args := func(locale string) []string {
		return []string{"-D", c.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=" + locale, "--no-sync"}
	}
	err := c.runner.run(ctx, c.bins.initdb, args("C.UTF-8")...)
	// The command line in err names the locale too, so match initdb's message rather than the word.
	if err != nil && strings.Contains(err.Error(), "invalid locale") {
		c.logger.Info("initdb rejected locale C.UTF-8, retrying with C", "err", err)
		err = c.runner.run(ctx, c.bins.initdb, args("C")...)
	}
	return err
}

// stopLeftover stops a server an earlier run left behind in the data directory. Its port is unknown to this
// run and it may outlive this process, so stopping it is simpler than adopting it.
func (c *Cluster) stopLeftover(ctx context.Context) error {
	if !c.running(ctx) {
		return nil
	}
	c.logger.Info("stopping the PostgreSQL server an earlier run left running", "dir", c.dir)
	err := c.runner.run(ctx, c.bins.pgCtl, "-D", c.dir, "-m", "fast", "-w", "-s", "stop")
	if err != nil && !c.running(ctx) {
		// A postmaster that was killed looks alive until its zombie is reaped, then pg_ctl stop gives up with
		// "server does not shut down" although it is gone. Gone is what we wanted.
		return nil
	}
	return err
}

// running reports whether pg_ctl finds a live server for the data directory. pg_ctl status exits 3 when none
// runs, which is the normal case.
func (c *Cluster) running(ctx context.Context) bool {
	return c.runner.run(ctx, c.bins.pgCtl, "-D", c.dir, "status") == nil
}

// start picks a port and socket directory and runs the server. pg_ctl passes the -o string through /bin/sh,
// hence the quoting.
func (c *Cluster) start(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	c.port = port
	if err := c.chooseSocketDir(); err != nil {
		return err
	}
	serverOpts := strings.Join([]string{
		"-p", strconv.Itoa(port),
		"-k", shellQuote(c.socketDir),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
	}, " ")
	logFile := filepath.Join(c.dir, "server.log")
	if err := c.runner.run(ctx, c.bins.pgCtl, "-D", c.dir, "-l", logFile, "-w", "-s", "start", "-o", serverOpts); err != nil {
		if tail := fileTail(logFile); tail != "" {
			return fmt.Errorf("%w; server log %s ends: %s", err, logFile, tail)
		}
		return err
	}
	return nil
}

// chooseSocketDir uses the data directory itself, unless its path is too long for a unix socket or holds a
// comma (which connection URLs read as a host separator); then it uses a new temporary directory.
func (c *Cluster) chooseSocketDir() error {
	if len(c.dir)+len(socketName) <= maxSocketPath && !strings.Contains(c.dir, ",") {
		c.socketDir = c.dir
		return nil
	}
	tmp, err := os.MkdirTemp("", "pgembed-")
	if err != nil {
		return fmt.Errorf("error creating socket directory: %w", err)
	}
	c.socketDir, c.tempSocket = tmp, true
	if err := c.runner.chown(tmp); err != nil {
		return err
	}
	c.logger.Info("data directory path unusable for a unix socket, using a temporary socket directory",
		"dir", c.dir, "socket_dir", tmp)
	return nil
}

// cleanupFailedStart stops a server pg_ctl may have launched before it failed or ctx ended, so it does not
// linger. It runs with a fresh timeout because ctx may be the reason for the failure.
func (c *Cluster) cleanupFailedStart(ctx context.Context) {
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = c.runner.run(stopCtx, c.bins.pgCtl, "-D", c.dir, "-m", "immediate", "-w", "-s", "stop")
	if c.tempSocket {
		_ = os.RemoveAll(c.socketDir)
	}
}

// freePort asks the kernel for an unused loopback port. Another process could take it before the server
// binds, which is unlikely enough for development.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("error finding a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("error releasing port %d: %w", port, err)
	}
	return port, nil
}

// runner runs the server programs, as the postgres system user when this process is root.
type runner struct {
	account *account // nil when running as ourselves
	env     []string
}

// account is the system user the server programs run as when this process is root.
type account struct {
	uid, gid uint32
	groups   []uint32 // primary and supplementary groups, for the permission check
}

// newRunner decides whose identity the server programs run with. initdb and postgres refuse to run as root.
func newRunner(logger *slog.Logger) (*runner, error) {
	if os.Geteuid() != 0 {
		return &runner{env: os.Environ()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("error finding the postgres system user: %w; PostgreSQL refuses to run as root, so "+
			"create that user (Debian's postgresql package does), run as a normal user, or set DATABASE_URL", err)
	}
	a := &account{}
	uid, errU := strconv.ParseUint(u.Uid, 10, 32)
	gid, errG := strconv.ParseUint(u.Gid, 10, 32)
	if errU != nil || errG != nil {
		return nil, fmt.Errorf("error reading ids of the postgres system user: uid %q, gid %q", u.Uid, u.Gid)
	}
	a.uid, a.gid = uint32(uid), uint32(gid)
	a.groups = []uint32{a.gid}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil {
				a.groups = append(a.groups, uint32(g))
			}
		}
	}
	logger.Info("running PostgreSQL as the postgres system user because initdb refuses to run as root",
		"uid", a.uid)

	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "USER=") || strings.HasPrefix(kv, "LOGNAME=")
	})
	home := u.HomeDir
	if home == "" {
		home = "/"
	}
	env = append(env, "HOME="+home, "USER="+u.Username, "LOGNAME="+u.Username)
	return &runner{account: a, env: env}, nil
}

// prepareDir creates the data directory (0700, as PostgreSQL requires) and any missing parents (0755, so the
// postgres user can pass through them). As root it checks that every ancestor is searchable by the postgres
// user, which otherwise fails later with a confusing "permission denied", and hands the directory to that user.
func (r *runner) prepareDir(dir string) error {
	parent := filepath.Dir(dir)
	var missing []string
	for p := parent; ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		}
		missing = append(missing, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	if err := os.MkdirAll(parent, 0o755); err != nil { //nolint:gosec // G301: the postgres user must pass through
		return fmt.Errorf("error creating %s: %w", parent, err)
	}
	for _, p := range missing {
		// MkdirAll's mode is reduced by the umask; make the new directories traversable regardless.
		if err := os.Chmod(p, 0o755); err != nil { //nolint:gosec // G302: a directory the postgres user passes through
			return fmt.Errorf("error making %s traversable: %w", p, err)
		}
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("error creating data directory %s: %w", dir, err)
	}
	if r.account == nil {
		return nil
	}
	for p := parent; ; p = filepath.Dir(p) {
		ok, err := r.account.canSearch(p)
		if err != nil {
			return fmt.Errorf("error checking permissions of %s: %w", p, err)
		}
		if !ok {
			return fmt.Errorf("error preparing data directory %s: the postgres system user cannot enter %s; "+
				"make it traversable (chmod o+x %s), choose a data directory elsewhere, or set DATABASE_URL",
				dir, p, p)
		}
		if p == filepath.Dir(p) {
			break
		}
	}
	return r.chown(dir)
}

// canSearch reports whether the account may traverse directory path, from its mode bits (ACLs are ignored).
func (a *account) canSearch(path string) (bool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true, nil
	}
	perm := fi.Mode().Perm()
	switch {
	case st.Uid == a.uid:
		return perm&0o100 != 0, nil
	case slices.Contains(a.groups, st.Gid):
		return perm&0o010 != 0, nil
	default:
		return perm&0o001 != 0, nil
	}
}

// chown hands dir and everything in it to the postgres user, when running as root. Files a root-run tool left
// behind would otherwise stop the server from starting.
func (r *runner) chown(dir string) error {
	if r.account == nil {
		return nil
	}
	uid, gid := int(r.account.uid), int(r.account.gid)
	// The postgres user can write in dir, so it could swap a directory for a symlink while the walk runs; the
	// root-scoped walk and Lchown cannot be led out of dir that way (a plain WalkDir with os.Lchown could be
	// made to chown files elsewhere to the postgres user).
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("error handing %s to the postgres system user: %w", dir, err)
	}
	defer func() { _ = root.Close() }() // a directory opened for reading: closing it cannot lose anything
	err = fs.WalkDir(root.FS(), ".", func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return root.Lchown(path, uid, gid)
	})
	if err != nil {
		return fmt.Errorf("error handing %s to the postgres system user: %w", dir, err)
	}
	return nil
}

// run runs a server program and waits for it. The program gets its own process group, so a Ctrl-C at the
// terminal reaches only this process, which then stops the server in order. Its combined output is returned in
// the error, trimmed to the end, where the reason is.
func (r *runner) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...) //nolint:gosec // G204: name is initdb or pg_ctl, found by findBinaries
	// The postgres user may not be able to enter our working directory.
	cmd.Dir = "/"
	cmd.Env = r.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if r.account != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: r.account.uid, Gid: r.account.gid}
	}
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		what := filepath.Base(name) + " " + strings.Join(args, " ")
		if tail := tailOf(out.String()); tail != "" {
			return fmt.Errorf("error running %s: %w: %s", what, err, tail)
		}
		return fmt.Errorf("error running %s: %w", what, err)
	}
	return nil
}

// tailLen bounds how much program output or server log goes into an error.
const tailLen = 2000

// tailOf returns the last lines of s, at most tailLen bytes, on one line.
func tailOf(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > tailLen {
		s = s[len(s)-tailLen:]
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
		s = "..." + s
	}
	return strings.ReplaceAll(s, "\n", " | ")
}

// fileTail returns tailOf the file's content, or "" when it cannot be read.
func fileTail(path string) string {
	b, err := os.ReadFile(path) //nolint:gosec // G304: path is the server log this package chose
	if err != nil {
		return ""
	}
	return tailOf(string(b))
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// queryEscape escapes s for a connection URL. libpq and pgx decode %XX but not '+', so spaces become %20.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
