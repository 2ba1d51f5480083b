package testvalkey

import (
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Server is a redis-server (or valkey-server) of the test's own, for tests that stop Valkey and start it
// again. It keeps its keys in an append-only file, as managed Valkeys do, so it comes back from Stop with the
// keys it had. It is stopped when the test ends.
type Server struct {
	bin, port, dir string
	cmd            *exec.Cmd
}

// StartServer starts a Server on a free port, or skips the test when neither redis-server nor valkey-server
// is installed.
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if bin, err = exec.LookPath("valkey-server"); err != nil {
			t.Skip("needs redis-server or valkey-server to stop and start a Valkey of its own")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testvalkey: finding a free port: %v", err)
	}
	s := &Server{bin: bin, port: strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), dir: t.TempDir()}
	_ = ln.Close()
	s.Start(t)
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://127.0.0.1:" + s.port }

// Start runs the server on its port (again, after Stop) and waits until it accepts connections.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	//nolint:gosec // G204: the binary found on PATH, with a port and directory this helper chose
	s.cmd = exec.Command(s.bin, "--port", s.port, "--bind", "127.0.0.1", "--dir", s.dir,
		"--appendonly", "yes", "--save", "")
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("testvalkey: starting %s: %v", s.bin, err)
	}
	deadline := time.Now().Add(opTimeout)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+s.port)
		if err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("testvalkey: %s did not accept connections on port %s", s.bin, s.port)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop shuts the server down as an operator would (SIGTERM: it writes and syncs its append-only file). It
// does nothing when the server is not running.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.cmd == nil {
		return
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("testvalkey: stopping %s: %v", s.bin, err)
	}
	_ = s.cmd.Wait()
	s.cmd = nil
}
