package httpserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRequestDeadline(t *testing.T) {
	t.Parallel()
	rules := []BodyLimitRule{
		{Method: http.MethodGet, Path: "/api/documents/{id}/file", Deadline: time.Hour},
		{Method: http.MethodPost, Path: "/api/documents", ContentType: "multipart/form-data", Limit: 1 << 20},
	}
	tests := []struct {
		name    string
		timeout time.Duration
		method  string
		path    string
		want    time.Duration // 0: no deadline
	}{
		{"BoundsARequestByTheTimeout", 5 * time.Second, http.MethodGet, "/api/tasks", 5 * time.Second},
		{"AFileTransferTakesItsRulesDeadline", 5 * time.Second, http.MethodGet, "/api/documents/7/file", time.Hour},
		{"ARuleWithoutDeadlineKeepsTheTimeout", 5 * time.Second, http.MethodPost, "/api/documents", 5 * time.Second},
		{"ZeroLeavesRequestsUnbounded", 0, http.MethodGet, "/api/tasks", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				deadline time.Time
				bounded  bool
			)
			h := RequestDeadline(tt.timeout, rules...)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				deadline, bounded = r.Context().Deadline()
			}))
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.method == http.MethodPost {
				req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
			}
			start := time.Now()
			h.ServeHTTP(httptest.NewRecorder(), req)
			if tt.want == 0 {
				require.False(t, bounded, "no deadline")
				return
			}
			require.True(t, bounded, "the request's context has a deadline")
			require.WithinDuration(t, start.Add(tt.want), deadline, time.Second)
		})
	}
}
