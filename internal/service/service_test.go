package service_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apitest"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/testdb"
)

func defaultConfig(t *testing.T, dbURL string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	cfg.DatabaseURL = dbURL
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.ShutdownDelay = 0
	return cfg
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestRun(t *testing.T) {
	t.Parallel()

	t.Run("ReadyOnlyAfterWarmPoolPinged", func(t *testing.T) {
		t.Parallel()
		dbURL := testdb.New(t)
		const minConns = 4
		gate := make(chan struct{})
		tracer := &apptest.Tracer{BeforeConnect: func(ctx context.Context) {
			select {
			case <-gate:
			case <-ctx.Done():
			}
		}}
		cfg := defaultConfig(t, dbURL)
		cfg.DBMinConns, cfg.DBMaxConns = minConns, 8
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		base := "http://" + ln.Addr().String()
		var connectsAtReady atomic.Int64
		ready := make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- service.Run(ctx, service.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler),
				Migrate: true, Listener: ln, Tracer: tracer,
				OnReady: func(net.Addr) { connectsAtReady.Store(tracer.Snapshot().Connects); close(ready) }})
		}()
		t.Cleanup(func() { cancel(); require.NoError(t, <-done) })

		status, body := get(t, base+"/readyz")
		require.Equal(t, http.StatusServiceUnavailable, status, "not ready while connections are being opened: %s", body)
		require.Contains(t, body, `"starting"`)
		status, _ = get(t, base+"/api/static-data")
		require.Equal(t, http.StatusServiceUnavailable, status, "the API waits for the warm pool")
		status, _ = get(t, base+"/healthz")
		require.Equal(t, http.StatusOK, status, "liveness answers during start-up")

		close(gate)
		select {
		case <-ready:
		case <-time.After(10 * time.Second):
			t.Fatal("not ready 10s after connections were allowed")
		}
		require.GreaterOrEqual(t, connectsAtReady.Load(), int64(minConns), "DB_MIN_CONNS connections open before ready")

		// Every warm connection's last statement is the ping Warm sent it.
		admin, err := pgx.Connect(context.Background(), dbURL)
		require.NoError(t, err)
		defer admin.Close(context.Background())
		var pinged int
		require.NoError(t, admin.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'homekeep' AND query = '-- ping'`).Scan(&pinged))
		require.GreaterOrEqual(t, pinged, minConns, "each warm connection was pinged")

		status, body = get(t, base+"/readyz")
		require.Equal(t, http.StatusOK, status, body)
	})

	t.Run("ShutdownLetsInFlightRequestFinish", func(t *testing.T) {
		t.Parallel()
		queryStarted, releaseQuery := make(chan struct{}), make(chan struct{})
		var block atomic.Bool
		tracer := &apptest.Tracer{BeforeQuery: func(_ context.Context, sql string) {
			if block.Load() && strings.Contains(sql, "ContractorList") {
				close(queryStarted)
				<-releaseQuery
			}
		}}
		cfg := defaultConfig(t, testdb.New(t))
		cfg.DBMinConns = 2
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		base := "http://" + ln.Addr().String()
		ready := make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- service.Run(ctx, service.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler),
				Migrate: true, Seed: true, Listener: ln, Tracer: tracer, OnReady: func(net.Addr) { close(ready) }})
		}()
		<-ready
		token := registerRaw(t, base)

		block.Store(true)
		type result struct {
			status int
			body   string
		}
		got := make(chan result, 1)
		go func() {
			req, _ := http.NewRequest(http.MethodGet, base+"/api/contractors", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				got <- result{body: err.Error()}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			got <- result{resp.StatusCode, string(b)}
		}()
		<-queryStarted
		cancel() // SIGTERM while the request waits on PostgreSQL

		require.Eventually(t, func() bool {
			c, err := net.DialTimeout("tcp", ln.Addr().String(), 50*time.Millisecond)
			if err != nil {
				return true
			}
			// A probe that got in before the listener closed must hang up: net/http's Shutdown waits five
			// seconds for a connection that never sends a request, which is this test's whole drain budget.
			_ = c.Close()
			return false
		}, 3*time.Second, 5*time.Millisecond, "no new connections once shutdown starts")
		close(releaseQuery)

		r := <-got
		require.Equal(t, http.StatusOK, r.status, "in-flight request finishes: %s", r.body)
		var data []json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(r.body), &data), "the drained response is complete")
		require.NoError(t, <-done, "Run returns cleanly after draining, then closes the pool")
	})

	t.Run("RefusesToStartWithoutDatabaseURL", func(t *testing.T) {
		t.Parallel()
		cfg := defaultConfig(t, "")
		err := service.Run(context.Background(), service.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler)})
		require.ErrorContains(t, err, "DATABASE_URL")
	})
}

// registerRaw signs up over plain HTTP (for tests that bypass the contract client) and returns the token.
func registerRaw(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Post(base+"/api/auth/register", "application/json",
		strings.NewReader(`{"email":"`+apptest.UniqueEmail()+`","password":"`+apptest.TestPassword+`"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	var out client.AuthResponse
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out.Token
}

func TestStaticData(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	acct := inst.Register(t)

	t.Run("ReturnsSeededLookupsInOneRoundTrip", func(t *testing.T) {
		t.Parallel()
		before := inst.Stmts.Snapshot()
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token})
		require.Equal(t, http.StatusOK, r.Status)
		require.LessOrEqual(t, inst.Stmts.RoundTrips(before), int64(1), "statements: %q", inst.Stmts.Since(before))
		require.Zero(t, inst.Stmts.Snapshot().Connects-before.Connects, "no connection opened on the request path")

		var data client.StaticData
		r.JSON(t, &data)
		require.GreaterOrEqual(t, len(data.TaskCategories), 10)
		byName := map[string]client.NilInt32{}
		for _, f := range data.TaskFrequencies {
			byName[f.Name] = f.IntervalDays
		}
		require.Contains(t, byName, "Once")
		require.True(t, byName["Once"].Null, "a one-time frequency has no interval")
		require.Contains(t, byName, "Quarterly")
		require.False(t, byName["Quarterly"].Null)
		require.EqualValues(t, 90, byName["Quarterly"].Value)
	})

	t.Run("AcceptsTrailingSlash", func(t *testing.T) {
		t.Parallel()
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data/", Token: acct.Token})
		require.Equal(t, http.StatusOK, r.Status)
	})

	t.Run("AnswersIfNoneMatchWith304", func(t *testing.T) {
		t.Parallel()
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token})
		etag := r.Header.Get("Etag")
		require.NotEmpty(t, etag)
		r = inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token,
			Header: http.Header{"If-None-Match": {etag}}})
		require.Equal(t, http.StatusNotModified, r.Status)
		require.Empty(t, r.Body)
		r = inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token,
			Header: http.Header{"If-None-Match": {`"stale"`}}})
		require.Equal(t, http.StatusOK, r.Status)
	})

	t.Run("RequiresToken", func(t *testing.T) {
		t.Parallel()
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data"})
		require.Equal(t, http.StatusUnauthorized, r.Status)
		require.Equal(t, "unauthorized", r.Err(t).Error.Code)
	})
}

func TestErrorsHaveOneShape(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantCode           string
	}{
		{"UnknownAPIPath", http.MethodGet, "/api/nope", http.StatusNotFound, "not_found"},
		{"UnknownRootPath", http.MethodGet, "/nope", http.StatusNotFound, "not_found"},
		{"WrongMethod", http.MethodPost, "/api/static-data", http.StatusMethodNotAllowed, "method_not_allowed"},
		{"WrongMethodWithTrailingSlash", http.MethodDelete, "/api/static-data/", http.StatusMethodNotAllowed, "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(apitest.WithInvalidRequest(context.Background()), tt.method, inst.URL+tt.path, nil)
			require.NoError(t, err)
			resp, err := inst.Client.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tt.wantStatus, resp.StatusCode)
			require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
			var body client.APIError
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			require.Equal(t, tt.wantCode, body.Error.Code)
			require.NotEmpty(t, body.Error.Message)
		})
	}
}

func TestValkeyUnreachableAtStart(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens here now

	inst := apptest.Start(t, apptest.Options{Configure: func(c *config.Config) { c.ValkeyURL = "redis://" + deadAddr }})
	status, body := get(t, inst.URL+"/readyz")
	require.Equal(t, http.StatusOK, status, "still serving from PostgreSQL")
	require.Contains(t, body, `"degraded"`)
	require.Contains(t, body, `"valkey":"unreachable"`)

	acct := inst.Register(t)
	r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token})
	require.Equal(t, http.StatusOK, r.Status, "the API works without Valkey")
}

func TestStaticDataCache(t *testing.T) {
	t.Parallel()
	for _, withValkey := range []bool{false, true} {
		t.Run(map[bool]string{false: "InProcess", true: "Valkey"}[withValkey], func(t *testing.T) {
			t.Parallel()
			o := apptest.Options{}
			if withValkey {
				o.ValkeyURL, o.KeyPrefix = apptest.SharedValkey(t)
			}
			inst := apptest.Start(t, o)
			acct := inst.Register(t)
			get := func() (sql, valkey int64) {
				before, vk := inst.Stmts.Snapshot(), int64(0)
				if inst.Valkey != nil {
					vk = inst.Valkey.RoundTrips()
				}
				r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token})
				require.Equal(t, http.StatusOK, r.Status)
				if inst.Valkey != nil {
					vk = inst.Valkey.RoundTrips() - vk
				}
				return inst.Stmts.RoundTrips(before), vk
			}
			require.Eventually(t, func() bool { // authentication warm first, so only static data is measured
				before := inst.Stmts.Snapshot()
				inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token})
				return inst.Stmts.RoundTrips(before) == 0
			}, 2*time.Second, 5*time.Millisecond)
			sql, _ := get()
			require.Zero(t, sql, "the first request after the start: cached while the server started")
			require.Eventually(t, func() bool { s, v := get(); return s == 0 && v == 0 }, 2*time.Second, 5*time.Millisecond,
				"warm: no SQL and no Valkey round trip")
			for range 5 {
				s, v := get()
				require.Zero(t, s)
				require.Zero(t, v)
			}
		})
	}
}

func TestValkeyLostMidRun(t *testing.T) {
	t.Parallel()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		if server, err = exec.LookPath("valkey-server"); err != nil {
			t.Skip("needs redis-server or valkey-server to run a Valkey of its own")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())
	cmd := exec.Command(server, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 5*time.Second, 10*time.Millisecond)

	inst := apptest.Start(t, apptest.Options{ValkeyURL: "redis://127.0.0.1:" + port})
	acct := inst.Register(t)
	me := func() apptest.Response {
		return inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token})
	}
	require.Equal(t, http.StatusOK, me().Status)

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()

	require.Equal(t, http.StatusOK, me().Status, "authentication falls back to PostgreSQL")
	r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/residences", Token: acct.Token})
	require.Equal(t, http.StatusOK, r.Status, "reads fall back to PostgreSQL: %s", r.Body)
	r = inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token, Body: map[string]any{"name": "Home"}})
	require.Equal(t, http.StatusCreated, r.Status,
		"a stored change is reported as done even when the cache cannot be told (SQL rechecks membership): %s", r.Body)
	var list []client.Residence
	inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/residences", Token: acct.Token}).JSON(t, &list)
	require.Len(t, list, 1, "and it is visible at once, read from PostgreSQL")
	status, body := get(t, inst.URL+"/readyz")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `"degraded"`)
}
