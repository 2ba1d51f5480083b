package service_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/testdb"
)

// startWithEnv runs a server configured from env (as `homekeep serve` would be) on a fresh database and
// returns its base URL once it is ready.
func startWithEnv(t *testing.T, env map[string]string) string {
	t.Helper()
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	cfg.DatabaseURL = testdb.New(t)
	cfg.DBMinConns, cfg.DBMaxConns = 1, 4
	cfg.FileStorageURL = "mem://"
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.ShutdownDelay = 0
	cfg.Argon2MemoryKiB, cfg.Argon2Iterations = 1024, 1
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- service.Run(ctx, service.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler),
			Migrate: true, Listener: ln, OnReady: func(net.Addr) { close(ready) }})
	}()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	select {
	case <-ready:
	case err := <-done:
		done <- err
		t.Fatalf("server stopped before it was ready: %v", err)
	}
	return "http://" + ln.Addr().String()
}

// answer is the part of a response the CORS and HEAD tests read; its body has been read and closed.
type answer struct {
	StatusCode int
	Header     http.Header
}

func rawRequest(t *testing.T, method, url string, header http.Header) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return answer{StatusCode: resp.StatusCode, Header: resp.Header}
}

// TestCORS checks that a browser app on an allowed origin can call the API: its preflight is answered before
// authentication, and real responses let it read the headers it needs. Other origins get no CORS headers,
// and without CORS_ORIGINS nobody does.
func TestCORS(t *testing.T) {
	t.Parallel()
	const app, other = "https://app.example.com", "https://evil.example.net"
	base := startWithEnv(t, map[string]string{"CORS_ORIGINS": app + ", https://admin.example.com"})
	token := registerRaw(t, base)
	preflight := func(origin, method, headers string) http.Header {
		return http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method},
			"Access-Control-Request-Headers": {headers}}
	}

	t.Run("PreflightIsAnsweredBeforeAuthentication", func(t *testing.T) {
		t.Parallel()
		for _, path := range []string{"/api/tasks", "/api/documents/12/file", "/api/auth/login"} {
			resp := rawRequest(t, http.MethodOptions, base+path,
				preflight(app, http.MethodGet, "authorization, content-type, if-none-match, if-range, range"))
			require.Equal(t, http.StatusNoContent, resp.StatusCode, path)
			require.Equal(t, app, resp.Header.Get("Access-Control-Allow-Origin"), path)
			require.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), http.MethodGet, path)
			allowed := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
			for _, h := range []string{"authorization", "content-type", "if-none-match", "if-range", "range"} {
				require.Contains(t, allowed, h, path)
			}
			require.NotEmpty(t, resp.Header.Get("Access-Control-Max-Age"), path)
			require.Contains(t, resp.Header.Values("Vary"), "Origin", path)
		}
	})
	t.Run("PreflightForAWrite", func(t *testing.T) {
		t.Parallel()
		resp := rawRequest(t, http.MethodOptions, base+"/api/tasks/1", preflight(app, http.MethodPatch, "authorization, content-type"))
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
		require.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), http.MethodPatch)
	})
	t.Run("ResponsesExposeTheHeadersClientsRead", func(t *testing.T) {
		t.Parallel()
		resp := rawRequest(t, http.MethodGet, base+"/api/static-data", http.Header{"Origin": {app}, "Authorization": {"Bearer " + token}})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, app, resp.Header.Get("Access-Control-Allow-Origin"))
		exposed := strings.ToLower(resp.Header.Get("Access-Control-Expose-Headers"))
		for _, h := range []string{"etag", "retry-after", "content-range", "content-disposition", "x-request-id"} {
			require.Contains(t, exposed, h)
		}
		require.Contains(t, resp.Header.Values("Vary"), "Origin")
	})
	t.Run("ErrorsCarryCORSHeadersToo", func(t *testing.T) {
		t.Parallel()
		resp := rawRequest(t, http.MethodGet, base+"/api/static-data", http.Header{"Origin": {app}})
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		require.Equal(t, app, resp.Header.Get("Access-Control-Allow-Origin"), "the app can read why it was refused")
	})
	t.Run("OtherOriginsGetNoCORSHeaders", func(t *testing.T) {
		t.Parallel()
		resp := rawRequest(t, http.MethodOptions, base+"/api/tasks", preflight(other, http.MethodGet, "authorization"))
		require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
		require.Empty(t, resp.Header.Get("Access-Control-Allow-Methods"))
		resp = rawRequest(t, http.MethodGet, base+"/api/static-data", http.Header{"Origin": {other}, "Authorization": {"Bearer " + token}})
		require.Equal(t, http.StatusOK, resp.StatusCode, "the server still answers; the browser withholds it")
		require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
		require.Empty(t, resp.Header.Get("Access-Control-Expose-Headers"))
	})

	t.Run("NoOriginsConfiguredMeansNoCORSHeaders", func(t *testing.T) {
		t.Parallel()
		base := startWithEnv(t, nil)
		resp := rawRequest(t, http.MethodOptions, base+"/api/tasks", preflight(app, http.MethodGet, "authorization"))
		require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
		resp = rawRequest(t, http.MethodGet, base+"/healthz", http.Header{"Origin": {app}})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	})
}
