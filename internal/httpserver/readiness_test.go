package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadiness(t *testing.T) {
	t.Parallel()
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("connection refused") }

	tests := []struct {
		name       string
		ready      bool
		postgres   func(context.Context) error
		valkey     func(context.Context) error
		wantStatus int
		wantBody   string
		wantValkey string
	}{
		{"StartingUntilMarkedReady", false, ok, ok, http.StatusServiceUnavailable, "starting", ""},
		{"ReadyWithoutValkey", true, ok, nil, http.StatusOK, "ready", "not configured"},
		{"ReadyWithValkey", true, ok, ok, http.StatusOK, "ready", "ok"},
		{"DegradedWhenValkeyDown", true, ok, down, http.StatusOK, "degraded", "unreachable"},
		{"UnavailableWhenPostgresDown", true, down, ok, http.StatusServiceUnavailable, "unavailable", "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rd := NewReadiness(tt.postgres, tt.valkey)
			if tt.ready {
				rd.MarkReady()
			}
			rec := httptest.NewRecorder()
			rd.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			require.Equal(t, tt.wantStatus, rec.Code)
			var body readyBody
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			require.Equal(t, tt.wantBody, body.Status)
			if tt.wantValkey != "" {
				require.Equal(t, tt.wantValkey, body.Checks["valkey"])
			}
		})
	}
}
