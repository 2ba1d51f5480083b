package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apitest"
	"github.com/homekeep/homekeep/internal/apptest"
)

// TestNotFoundAndMethodNotAllowedAnswerAlike checks that a wrong path or method gets the same answer from the
// router outside /api (chi) as from the API server inside it (ogen): same status, code, message and, for a
// 405, an Allow header that lists HEAD wherever GET is allowed.
func TestNotFoundAndMethodNotAllowedAnswerAlike(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantAllow, wantMsg string
	}{
		{"UnknownPathInsideAPI", http.MethodGet, "/api/nope", http.StatusNotFound, "",
			"no such endpoint: GET /api/nope"},
		{"UnknownPathOutsideAPI", http.MethodGet, "/nope", http.StatusNotFound, "",
			"no such endpoint: GET /nope"},
		{"WrongMethodInsideAPI", http.MethodPost, "/api/static-data", http.StatusMethodNotAllowed, "GET, HEAD",
			"POST is not allowed on /api/static-data; allowed: GET, HEAD"},
		{"WrongMethodOutsideAPI", http.MethodPost, "/healthz", http.StatusMethodNotAllowed, "GET, HEAD",
			"POST is not allowed on /healthz; allowed: GET, HEAD"},
		{"WrongMethodWithTrailingSlashOutsideAPI", http.MethodDelete, "/readyz/", http.StatusMethodNotAllowed, "GET, HEAD",
			"DELETE is not allowed on /readyz; allowed: GET, HEAD"},
		{"SeveralMethodsInsideAPI", http.MethodPut, "/api/residences/1", http.StatusMethodNotAllowed,
			"DELETE, GET, HEAD, PATCH", "PUT is not allowed on /api/residences/1; allowed: DELETE, GET, HEAD, PATCH"},
		{"PostOnlyHasNoHead", http.MethodDelete, "/api/auth/login", http.StatusMethodNotAllowed, "POST",
			"DELETE is not allowed on /api/auth/login; allowed: POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(apitest.WithInvalidRequest(context.Background()), tt.method,
				inst.URL+tt.path, nil)
			require.NoError(t, err)
			resp, err := inst.Client.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tt.wantStatus, resp.StatusCode, "%s %s: %s", tt.method, tt.path, raw)
			require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
			require.Equal(t, tt.wantAllow, resp.Header.Get("Allow"), "Allow of %s %s", tt.method, tt.path)
			var body map[string]map[string]any
			require.NoError(t, json.Unmarshal(raw, &body), "body %s", raw)
			wantCode := "not_found"
			if tt.wantStatus == http.StatusMethodNotAllowed {
				wantCode = "method_not_allowed"
			}
			require.Equal(t, map[string]map[string]any{"error": {"code": wantCode, "message": tt.wantMsg}}, body,
				"%s %s: the whole body", tt.method, tt.path)
		})
	}
	t.Run("HeadOnPostOnlyPathIsNamedHead", func(t *testing.T) {
		t.Parallel()
		req, err := http.NewRequestWithContext(apitest.WithInvalidRequest(context.Background()), http.MethodHead,
			inst.URL+"/api/auth/login", nil)
		require.NoError(t, err)
		resp, err := inst.Client.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		require.Equal(t, "POST", resp.Header.Get("Allow"))
	})
}
