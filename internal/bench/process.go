package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// readyTimeout bounds a child server's start-up.
const readyTimeout = time.Minute

// Process is a server the bench runs as a child process, so that its peak RSS and CPU time are its own.
type Process struct {
	Name string
	// URL is the server root, e.g. http://127.0.0.1:41234.
	URL string
	cmd *exec.Cmd
	log string
	// exited is closed when the process has exited; err is its wait error.
	exited chan struct{}
	err    error
}

// FreeAddr returns a loopback address with a port nobody listens on right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("bench: error finding a free port: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("bench: error freeing port: %v", err)
	}
	return addr
}

// StartServer runs bin with args and env (of the bench's own environment only PATH and HOME, and no drain delay), with
// its output in a log file, and waits until GET readyPath on addr answers 200. It stops the process when the
// test ends.
func StartServer(t testing.TB, name, bin string, args, env []string, addr, readyPath string) *Process {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath) //nolint:gosec // G304: a file in the test's own temporary directory
	if err != nil {
		t.Fatalf("bench: error creating %s: %v", logPath, err)
	}
	cmd := exec.Command(bin, args...) //nolint:gosec // G204: the bench runs binaries it just built
	// SHUTDOWN_DELAY=0: no load balancer needs time to stop sending to a bench's server, so Stop's SIGTERM
	// need not wait out homekeep's default 5 s drain (env may still set one).
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "SHUTDOWN_DELAY=0"}
	cmd.Env = append(base, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("bench: error starting %s: %v", name, err)
	}
	_ = logFile.Close() // the child has its own descriptor
	p := &Process{Name: name, URL: "http://" + addr, cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.Stop(t) })

	deadline := time.Now().Add(readyTimeout)
	hc := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-p.exited:
			t.Fatalf("bench: %s exited before it was ready (%v): %s", name, p.err, p.Tail())
		default:
		}
		resp, err := hc.Get(p.URL + readyPath)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("bench: %s not ready after %v: %s", name, readyTimeout, p.Tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Stats reads the process's CPU time and memory.
func (p *Process) Stats(t testing.TB) ProcStats {
	t.Helper()
	s, err := ReadProc(p.Pid())
	if err != nil {
		t.Fatalf("bench: %s: %v", p.Name, err)
	}
	return s
}

// Stop sends SIGTERM and waits for the process to exit (SIGKILL after 20 s). It is safe to call twice.
func (p *Process) Stop(t testing.TB) {
	t.Helper()
	select {
	case <-p.exited:
		return
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("bench: error stopping %s: %v", p.Name, err)
	}
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Errorf("bench: %s did not stop within 20 s of SIGTERM: %s", p.Name, p.Tail())
	}
}

// Tail returns the end of the process's log, for failure messages.
func (p *Process) Tail() string {
	b, err := os.ReadFile(p.log)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	const n = 4000
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// GoBuild builds the main package pkg into dir and returns the binary's path. The bench builds the servers
// it runs as processes itself, so a run always measures the tree it was started from.
func GoBuild(ctx context.Context, dir, pkg string) (string, error) {
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg) //nolint:gosec // G204: the bench builds its own packages
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("error building %s: %w: %s", pkg, err, b)
	}
	return out, nil
}

// EnvList turns settings into NAME=value strings.
func EnvList(settings map[string]string) []string {
	env := make([]string, 0, len(settings))
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	return env
}
