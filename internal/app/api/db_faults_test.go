package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apitest"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/service"
)

// Faults of PostgreSQL must answer 503 `unavailable` with Retry-After, never 401 (a mobile app signs its user
// out on 401) and never 500; reads that met a connection PostgreSQL had terminated are retried on a live one.

func TestColdTokenLookupWithPostgresUnreachableAnswers503(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.Options{NoSeed: true})
	acct := a.Register(t)

	// A second process whose only way to PostgreSQL is a proxy the test controls; it has never seen the token.
	proxy := startTCPProxy(t, a.DatabaseURL)
	var logs lockedBuffer
	b := runLogged(t, proxy.databaseURL, &logs)
	proxy.Close() // PostgreSQL unreachable: open connections are cut and new ones refused

	r := b.get(t, "/auth/me", acct.Token)
	require.Equal(t, http.StatusServiceUnavailable, r.Status, "a database blip must not sign the user out: %s", r.Body)
	require.NotEmpty(t, r.Header.Get("Retry-After"), "a 503 says when to retry")
	require.Equal(t, "unavailable", r.Err(t).Error.Code)
	require.Contains(t, logs.String(), `level=ERROR msg="request failed"`, "the fault is logged: %s", logs.String())
}

func TestReadsSurviveTerminatedBackends(t *testing.T) {
	t.Parallel()
	const conns = 4
	fullPool := func(c *config.Config) { c.DBMinConns, c.DBMaxConns = conns, conns }
	inst := apptest.Start(t, apptest.Options{NoSeed: true, Configure: fullPool})
	acct := inst.Register(t)
	res := apptest.Expect[client.Residence](t, inst, apptest.Request{Method: http.MethodPost, Path: "/residences",
		Token: acct.Token, Body: map[string]any{"name": "Home"}}, http.StatusCreated)
	// A second process on the same database: the token is cold there, so authenticating runs SQL.
	cold := apptest.Start(t, apptest.Options{NoSeed: true, DatabaseURL: inst.DatabaseURL, Configure: fullPool})

	terminateBackends(t, inst.DatabaseURL)

	t.Run("EveryConcurrentGETAnswers", func(t *testing.T) {
		paths := []string{"/tasks", "/residences", fmt.Sprintf("/residences/%d", res.ID), "/contractors"}
		require.Len(t, paths, conns, "one request per pooled connection")
		status, errs := make([]int, len(paths)), make([]error, len(paths))
		var wg sync.WaitGroup
		for i, p := range paths {
			wg.Go(func() { status[i], errs[i] = getStatus(inst, p, acct.Token) })
		}
		wg.Wait()
		for i := range paths {
			require.NoError(t, errs[i], "GET %s", paths[i])
			require.Equal(t, http.StatusOK, status[i], "GET %s after the backends were terminated", paths[i])
		}
	})

	t.Run("ColdTokenLookupIsRetriedToo", func(t *testing.T) {
		// A write whose authentication is a cold lookup: the lookup is a read, retried; the write then runs
		// on a connection that is alive.
		r := cold.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
			Body: map[string]any{"name": "Cabin"}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		r = cold.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token})
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	})
}

func TestWriteOnTerminatedBackendIsNeverRepeated(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true,
		Configure: func(c *config.Config) { c.DBMinConns, c.DBMaxConns = 3, 3 }})
	acct := inst.Register(t)
	inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token}) // warm: no SQL to authenticate

	terminateBackends(t, inst.DatabaseURL)

	name := "Written once " + strconv.FormatInt(time.Now().UnixNano(), 36)
	r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
		Body: map[string]any{"name": name}})
	want := 1
	switch r.Status {
	case http.StatusCreated:
	case http.StatusServiceUnavailable:
		want = 0
		require.NotEmpty(t, r.Header.Get("Retry-After"), "a 503 says when to retry")
		require.Equal(t, "unavailable", r.Err(t).Error.Code)
	default:
		t.Fatalf("POST /residences on a terminated connection: got %d, want 201 or 503: %s", r.Status, r.Body)
	}
	require.Equal(t, want, countResidences(t, inst.DatabaseURL, name), "status %d: the write is applied at most once", r.Status)

	// The dead connections are gone after the first one was found: the next write succeeds.
	r = inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
		Body: map[string]any{"name": name + " again"}})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
}

// getStatus sends an authenticated GET from a goroutine of its own (no test failures there) and returns the status.
func getStatus(inst *apptest.Instance, path, token string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, inst.API+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := inst.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// terminateBackends ends every other backend of the database, as a failover or a pooler restart does, and
// waits until they are gone.
func terminateBackends(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 5000)
		FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) t`).Scan(&n))
	require.Positive(t, n, "the instance had connections to terminate")
}

func countResidences(t *testing.T, dbURL, name string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM residences WHERE name = $1`, name).Scan(&n))
	return n
}

// tcpProxy forwards connections to PostgreSQL until Close, which cuts them all and refuses new ones.
type tcpProxy struct {
	ln          net.Listener
	databaseURL string

	mu     sync.Mutex
	conns  []net.Conn
	closed bool
	wg     sync.WaitGroup
}

func startTCPProxy(t *testing.T, dbURL string) *tcpProxy {
	t.Helper()
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	target := u.Host
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	u.Host = ln.Addr().String()
	p := &tcpProxy{ln: ln, databaseURL: u.String()}
	p.wg.Go(func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			if !p.track(client, server) {
				return
			}
			p.wg.Go(func() { _, _ = io.Copy(server, client); server.Close() })
			p.wg.Go(func() { _, _ = io.Copy(client, server); client.Close() })
		}
	})
	t.Cleanup(p.Close)
	return p
}

func (p *tcpProxy) track(c ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range c {
			c.Close()
		}
		return false
	}
	p.conns = append(p.conns, c...)
	return true
}

// Close closes the listening port and every forwarded connection, and waits for the copies to end.
func (p *tcpProxy) Close() {
	p.mu.Lock()
	p.closed = true
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	p.ln.Close()
	for _, c := range conns {
		c.Close()
	}
	p.wg.Wait()
}

// loggedInstance is an API process whose log the test reads.
type loggedInstance struct {
	api    string
	client *http.Client
}

// runLogged runs an API process on dbURL (already migrated) that writes its log to w, until the test ends.
func runLogged(t *testing.T, dbURL string, w io.Writer) *loggedInstance {
	t.Helper()
	cfg, err := config.Load(func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	cfg.DatabaseURL = dbURL
	cfg.DBMinConns, cfg.DBMaxConns = 2, 2
	cfg.FileStorageURL = "mem://"
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.ShutdownDelay = 0
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- service.Run(ctx, service.Options{Config: cfg, Listener: ln,
			Logger:  slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})),
			OnReady: func(net.Addr) { close(ready) }})
	}()
	inst := &loggedInstance{api: "http://" + ln.Addr().String() + "/api",
		client: &http.Client{Timeout: 30 * time.Second,
			Transport: apitest.NewTransport(t, http.DefaultTransport.(*http.Transport).Clone())}}
	t.Cleanup(func() {
		inst.client.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("instance stopped with error: %v", err)
		}
	})
	select {
	case <-ready:
	case err := <-done:
		done <- err
		t.Fatalf("instance stopped before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("instance not ready after 30s")
	}
	return inst
}

func (i *loggedInstance) get(t *testing.T, path, token string) apptest.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, i.api+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := i.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// lockedBuffer is a log destination the server writes to while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Clone(b.buf.String())
}
