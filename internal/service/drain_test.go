package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/httpserver"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/testdb"
)

// closeTimeListener records when the server closed it: the moment after which a client may be refused.
type closeTimeListener struct {
	net.Listener
	closedAt atomic.Int64 // UnixNano; 0 while open
}

func (l *closeTimeListener) Close() error {
	l.closedAt.CompareAndSwap(0, time.Now().UnixNano())
	return l.Listener.Close()
}

// SyscallConn gives the server the listening socket, to refuse new handshakes before it closes it.
func (l *closeTimeListener) SyscallConn() (syscall.RawConn, error) {
	return l.Listener.(syscall.Conn).SyscallConn()
}

// closedBefore reports whether the listener had been closed at t.
func (l *closeTimeListener) closedBefore(t time.Time) bool {
	c := l.closedAt.Load()
	return c != 0 && c <= t.UnixNano()
}

// drainingServer is a running service.Run whose context the test cancels as SIGTERM would.
type drainingServer struct {
	base    string
	dbURL   string
	ln      *closeTimeListener
	sigterm context.CancelFunc
	done    chan error

	once     sync.Once
	returned bool
	runErr   error
}

// wait returns what Run returned, waiting up to within for it; it may be called more than once.
func (s *drainingServer) wait(within time.Duration) (runErr, err error) {
	s.once.Do(func() {
		select {
		case s.runErr = <-s.done:
			s.returned = true
		case <-time.After(within):
		}
	})
	if !s.returned {
		return nil, fmt.Errorf("the server did not stop within %v", within)
	}
	return s.runErr, nil
}

// stop waits for Run to return after the test's SIGTERM and requires that it returned cleanly.
func (s *drainingServer) stop(t *testing.T) {
	t.Helper()
	runErr, err := s.wait(30 * time.Second)
	require.NoError(t, err)
	require.NoError(t, runErr, "Run drains and returns cleanly")
}

// startDraining runs the API on a fresh database with the given pre-stop delay and returns once it is ready.
func startDraining(t *testing.T, delay time.Duration, configure func(*config.Config), options ...func(*service.Options)) *drainingServer {
	t.Helper()
	dbURL := testdb.New(t)
	cfg := defaultConfig(t, dbURL)
	cfg.DBMinConns, cfg.DBMaxConns = 2, 12
	cfg.FileStorageURL = "mem://"
	cfg.Argon2MemoryKiB, cfg.Argon2Iterations = 1024, 1
	cfg.AuthRateLimit = 1000
	cfg.Workers = false
	cfg.ShutdownDelay = delay
	if configure != nil {
		configure(&cfg)
	}
	inner, err := httpserver.Listen(context.Background(), "127.0.0.1:0")
	require.NoError(t, err)
	s := &drainingServer{base: "http://" + inner.Addr().String(), dbURL: dbURL, ln: &closeTimeListener{Listener: inner},
		done: make(chan error, 1)}
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	s.sigterm = cancel
	o := service.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler), Migrate: true,
		Seed: true, Listener: s.ln, OnReady: func(net.Addr) { close(ready) }}
	for _, opt := range options {
		opt(&o)
	}
	go func() { s.done <- service.Run(ctx, o) }()
	t.Cleanup(func() {
		cancel()
		if _, err := s.wait(30 * time.Second); err != nil {
			t.Error(err)
		}
	})
	select {
	case <-ready:
	case err := <-s.done:
		t.Fatalf("the server stopped before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the server was not ready after 30 s")
	}
	return s
}

// keepAliveClient is Go's default transport with room for every load client's idle connection (the
// default keeps two per host, which would close the others on the client side and hide the server's part).
func keepAliveClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 100
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// TestDrainTurnsReadinessFirstAndKeepsServing: at SIGTERM /readyz answers 503 "draining" at once, while the
// API and /healthz go on answering for the pre-stop delay, every response with Connection: close, and new
// connections are still accepted; then the listener closes and Run returns cleanly.
func TestDrainTurnsReadinessFirstAndKeepsServing(t *testing.T) {
	t.Parallel()
	const delay = 1500 * time.Millisecond
	s := startDraining(t, delay, nil)
	c := keepAliveClient()
	defer c.CloseIdleConnections()

	resp, err := c.Get(s.base + "/readyz")
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.False(t, resp.Close, "before the signal connections are kept alive")

	start := time.Now()
	s.sigterm()
	var readyz *http.Response
	var body []byte
	require.Eventually(t, func() bool {
		r, err := c.Get(s.base + "/readyz")
		if err != nil {
			return false
		}
		defer r.Body.Close()
		body, _ = io.ReadAll(r.Body)
		readyz = r
		return r.StatusCode == http.StatusServiceUnavailable
	}, 200*time.Millisecond, 5*time.Millisecond, "/readyz turns 503 at once")
	turned := time.Since(start)
	var rb struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	require.NoError(t, json.Unmarshal(body, &rb))
	require.Equal(t, "draining", rb.Status, "%s", body)
	require.Contains(t, rb.Checks["shutdown"], "draining")
	require.True(t, readyz.Close, "the 503 closes its connection too")

	for _, path := range []string{"/healthz", "/api/static-data", "/api/auth/me"} {
		r, err := c.Get(s.base + path)
		require.NoError(t, err, path)
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
		require.NotEqual(t, http.StatusServiceUnavailable, r.StatusCode, "%s still answers during the delay", path)
		require.True(t, r.Close, "%s: Connection: close during the drain", path)
	}
	// A client that connects anew late in the delay is still served: the listener stays open.
	time.Sleep(delay / 2)
	r, err := keepAliveClient().Get(s.base + "/healthz")
	require.NoError(t, err, "the listener is open for the whole delay")
	r.Body.Close()
	require.Equal(t, http.StatusOK, r.StatusCode)
	require.Zero(t, s.ln.closedAt.Load(), "not closed before the delay is over")

	s.stop(t)
	closed := time.Unix(0, s.ln.closedAt.Load())
	require.GreaterOrEqual(t, closed.Sub(start), delay, "the listener closes after the delay")
	t.Logf("readyz 503 after %v; listener closed %v after the signal; Run returned after %v",
		turned, closed.Sub(start), time.Since(start))
}

// TestDrainFailsNoRequestUnderLoad: 50 clients with keep-alive connections send POSTs back to back (a POST
// without an Idempotency-Key is never retried by Go's transport, so a connection closed under a request
// shows as an error) from before the signal until the server has stopped. No request that had a connection
// to send on fails: the only errors allowed are refused connections once the listener is closed. Every
// created row is in the database exactly as many times as clients were told 201.
func TestDrainFailsNoRequestUnderLoad(t *testing.T) {
	t.Parallel()
	const clients, delay = 50, time.Second
	s := startDraining(t, delay, nil)
	token := registerRaw(t, s.base)
	c := keepAliveClient()
	defer c.CloseIdleConnections()

	type outcome struct {
		start, end time.Time
		gotConn    bool
		reused     bool
		status     int
		connClose  bool
		err        error
		conns      []string
		wrote      time.Time
	}
	var (
		mu        sync.Mutex
		outcomes  []outcome
		signalled atomic.Int64 // UnixNano of the cancel, 0 before
		stopped   = make(chan struct{})
		wg        sync.WaitGroup
	)
	send := func(client, n int) outcome {
		o := outcome{start: time.Now()}
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			o.gotConn, o.reused = true, info.Reused
			o.conns = append(o.conns, fmt.Sprintf("%s reused=%v idle=%v at %v", info.Conn.LocalAddr(), info.Reused, info.IdleTime, time.Since(o.start)))
		}, WroteRequest: func(httptrace.WroteRequestInfo) { o.wrote = time.Now() }}
		body := fmt.Sprintf(`{"name":"Load %d-%d"}`, client, n)
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
			http.MethodPost, s.base+"/api/contractors", bytes.NewReader([]byte(body)))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		o.end = time.Now()
		if err != nil {
			o.err = err
			return o
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		o.status, o.connClose = resp.StatusCode, resp.Close
		return o
	}
	var warm sync.WaitGroup
	warm.Add(clients)
	for i := range clients {
		wg.Go(func() {
			var mine []outcome
			defer func() { mu.Lock(); outcomes = append(outcomes, mine...); mu.Unlock() }()
			for n := 0; ; n++ {
				o := send(i, n)
				mine = append(mine, o)
				if n == 0 {
					warm.Done()
				}
				var op *net.OpError
				if o.err != nil && errors.As(o.err, &op) && op.Op == "dial" {
					return // refused: the listener is closed, this client is done
				}
				select {
				case <-stopped:
					return
				default:
				}
			}
		})
	}
	warm.Wait()
	time.Sleep(300 * time.Millisecond) // every client on a kept-alive connection, under load
	signalled.Store(time.Now().UnixNano())
	s.sigterm()
	s.stop(t)
	stoppedAt := time.Now()
	close(stopped)
	wg.Wait()

	sig := time.Unix(0, signalled.Load())
	closedAt := time.Unix(0, s.ln.closedAt.Load())
	var total, created, duringDrain, afterClose, refused, withoutClose int
	var failures []string
	for _, o := range outcomes {
		total++
		if o.err != nil {
			var op *net.OpError
			if !o.gotConn && errors.As(o.err, &op) && op.Op == "dial" && s.ln.closedBefore(o.end) {
				refused++ // never had a connection: refused once the listener was closed
				continue
			}
			failures = append(failures, fmt.Sprintf("started %v after the signal, wrote at %v, failed at %v (listener closed at %v), conns %v: %v",
				o.start.Sub(sig), o.wrote.Sub(sig), o.end.Sub(sig), closedAt.Sub(sig), o.conns, o.err))
			continue
		}
		if o.status != http.StatusCreated {
			failures = append(failures, fmt.Sprintf("status %d", o.status))
			continue
		}
		created++
		if o.start.After(sig) {
			duringDrain++
			if o.start.After(closedAt) {
				afterClose++
			}
			// A request that started once the server was surely draining must be told to close.
			if o.start.After(sig.Add(50*time.Millisecond)) && !o.connClose {
				withoutClose++
			}
		}
	}
	t.Logf("%d requests from %d clients: %d created, %d during the drain (%d started after the listener closed, on a connection "+
		"accepted before), %d refused after the listener closed, %d failed; listener closed %v after the signal, Run returned %v after it",
		total, clients, created, duringDrain, afterClose, refused, len(failures), closedAt.Sub(sig), stoppedAt.Sub(sig))
	require.Empty(t, failures, "no request that had a connection may fail")
	require.Zero(t, withoutClose, "every response during the drain carries Connection: close")
	// On a busy machine a request can take most of the delay, so only some start in it.
	require.Positive(t, duringDrain, "the load went on through the drain")
	require.GreaterOrEqual(t, closedAt.Sub(sig), delay, "the listener stayed open for the delay")

	// Every 201 is a row, once.
	db, err := pgx.Connect(context.Background(), s.dbURL)
	require.NoError(t, err)
	defer db.Close(context.Background())
	var rows int
	require.NoError(t, db.QueryRow(context.Background(), "SELECT count(*) FROM contractors WHERE name LIKE 'Load %'").Scan(&rows))
	require.Equal(t, created, rows, "each created answer is one row, none lost, none twice")
}
