package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
)

// TestServeDrainsOnSIGTERMAndHurriesOnTheSecond runs `homekeep serve` as a process of its own (this test
// binary, as TestMain allows) and signals it: the first SIGTERM turns /readyz 503 "draining" while the rest
// still answers, with Connection: close, for SHUTDOWN_DELAY (here a minute); the second skips what is left
// of it, and the process exits cleanly within a few seconds, saying why.
func TestServeDrainsOnSIGTERMAndHurriesOnTheSecond(t *testing.T) {
	t.Parallel()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := free.Addr().String()
	require.NoError(t, free.Close())
	base := "http://" + addr

	cmd := exec.Command(os.Args[0], "serve", "--no-migrate") //nolint:gosec // G702: this test binary, as TestMain allows
	cmd.Env = append(os.Environ(), "HOMEKEEP_TEST_AS_MAIN=1", "DATABASE_URL="+testdb.New(t), "HTTP_ADDR="+addr,
		"SHUTDOWN_DELAY=1m", "SHUTDOWN_TIMEOUT=5s", "WORKERS=false", "DB_MIN_CONNS=1", "DB_MAX_CONNS=4",
		"FILE_STORAGE_URL=mem://", "VALKEY_URL=", "METRICS_ADDR=off")
	var stderr lockedBuffer
	cmd.Stderr, cmd.Stdout = &stderr, io.Discard
	require.NoError(t, cmd.Start())
	var exitErr error
	exited := make(chan struct{})
	go func() { exitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	c := &http.Client{Timeout: 5 * time.Second}
	type answer struct {
		status int
		close  bool // Connection: close
		body   []byte
	}
	get := func(path string) (answer, error) {
		resp, err := c.Get(base + path)
		if err != nil {
			return answer{}, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, resp.Close, b}, err
	}
	require.Eventually(t, func() bool {
		a, err := get("/readyz")
		return err == nil && a.status == http.StatusOK
	}, time.Minute, 20*time.Millisecond, "serve never became ready: %s", &stderr)

	first := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	var readyz answer
	require.Eventually(t, func() bool {
		readyz, err = get("/readyz")
		return err == nil && readyz.status == http.StatusServiceUnavailable
	}, 2*time.Second, 5*time.Millisecond, "/readyz turns 503 on SIGTERM")
	turned := time.Since(first)
	var rb struct {
		Status string `json:"status"`
	}
	require.NoError(t, json.Unmarshal(readyz.body, &rb))
	require.Equal(t, "draining", rb.Status)
	me, err := get("/api/auth/me")
	require.NoError(t, err, "the API still answers during the delay")
	require.Equal(t, http.StatusUnauthorized, me.status, "answered as before the signal")
	require.True(t, me.close, "with Connection: close")
	select {
	case <-exited:
		t.Fatalf("serve exited during the delay: %v\n%s", exitErr, &stderr)
	case <-time.After(300 * time.Millisecond):
	}

	second := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-exited:
		require.NoError(t, exitErr, "a clean exit after the drain:\n%s", &stderr)
	case <-time.After(15 * time.Second):
		t.Fatalf("serve still running 15 s after the second signal (SHUTDOWN_DELAY is a minute):\n%s", &stderr)
	}
	log := stderr.String()
	require.Contains(t, log, "second signal", "the skip is logged")
	require.Contains(t, log, "draining", "the drain is logged")
	t.Logf("readyz 503 within %v of SIGTERM; exited %v after the second signal (%v after the first)",
		turned, time.Since(second), time.Since(first))
}
