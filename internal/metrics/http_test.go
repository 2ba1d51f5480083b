package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// finder knows two operations, as an ogen router would.
func finder(method, path string) (string, bool) {
	switch {
	case method == http.MethodGet && path == "/api/tasks":
		return "listTasks", true
	case method == http.MethodGet && strings.HasPrefix(path, "/api/admin/users"):
		return "adminUserList", true
	}
	return "", false
}

func TestOperationOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method, path, want string
	}{
		{"AnAPIOperation", http.MethodGet, "/api/tasks", "listTasks"},
		{"ATrailingSlashIsTheSameOperation", http.MethodGet, "/api/tasks/", "listTasks"},
		{"HEADIsTheGETItMirrors", http.MethodHead, "/api/tasks", "listTasks"},
		{"AnotherMethodIsNotTheOperation", http.MethodPost, "/api/tasks", "api_unmatched"},
		{"AnUnknownAPIPathIsOneName", http.MethodGet, "/api/no/such/thing/123", "api_unmatched"},
		{"TheAdminAPI", http.MethodGet, "/api/admin/users", "adminUserList"},
		{"ThePanel", http.MethodGet, "/admin/users/12", "admin_panel"},
		{"ThePanelRoot", http.MethodGet, "/admin", "admin_panel"},
		{"Probes", http.MethodGet, "/readyz", "readyz"},
		{"AnythingElse", http.MethodGet, "/wp-login.php", "other"},
		{"TheRoot", http.MethodGet, "/", "other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, operationOf(tc.method, tc.path, []OperationFinder{finder}))
		})
	}
}

func TestInstrument(t *testing.T) {
	t.Parallel()

	t.Run("CountsStatusAndStatementsOfTheRequest", func(t *testing.T) {
		t.Parallel()
		m := New()
		h := m.Instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Two statements and a batch of three, as the pool's tracer would count them.
			counts := r.Context().Value(requestKey{}).(*request)
			counts.statements.Add(2 + 3)
			counts.roundTrips.Add(2 + 1)
			w.WriteHeader(http.StatusTeapot)
		}), true, finder)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/tasks", nil))

		text := scrapeText(t, m)
		require.Contains(t, text, `homekeep_http_requests_total{operation="listTasks",status="418"} 1`)
		require.Contains(t, text, `homekeep_http_request_sql_statements_count{operation="listTasks"} 1`)
		require.Contains(t, text, `homekeep_http_request_sql_statements_sum{operation="listTasks"} 5`)
		require.Contains(t, text, `homekeep_http_request_sql_round_trips_sum{operation="listTasks"} 3`)
	})

	t.Run("ServesMetricsOnlyOnTheMainListenerWhenAsked", func(t *testing.T) {
		t.Parallel()
		m := New()
		next := http.NotFoundHandler()
		w := httptest.NewRecorder()
		m.Instrument(next, true).ServeHTTP(w, httptest.NewRequest(http.MethodGet, Path, nil))
		require.Equal(t, http.StatusOK, w.Code)
		require.Contains(t, w.Body.String(), "homekeep_build_info")

		w = httptest.NewRecorder()
		m.Instrument(next, false).ServeHTTP(w, httptest.NewRequest(http.MethodGet, Path, nil))
		require.Equal(t, http.StatusNotFound, w.Code)
	})

	t.Run("NilMetricsLeavesTheHandlerAlone", func(t *testing.T) {
		t.Parallel()
		var m *Metrics
		next := http.NotFoundHandler()
		w := httptest.NewRecorder()
		m.Instrument(next, true).ServeHTTP(w, httptest.NewRequest(http.MethodGet, Path, nil))
		require.Equal(t, http.StatusNotFound, w.Code)
	})
}

// scrapeText returns what /metrics answers for m.
func scrapeText(t *testing.T, m *Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, Path, nil))
	require.Equal(t, http.StatusOK, w.Code)
	return w.Body.String()
}

// BenchmarkInstrument measures what the middleware adds to a request that does nothing: the price of
// metrics on the request path.
func BenchmarkInstrument(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	req := httptest.NewRequest(http.MethodGet, "/api/tasks", nil)
	w := httptest.NewRecorder()
	b.Run("Bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ok.ServeHTTP(w, req)
		}
	})
	b.Run("Instrumented", func(b *testing.B) {
		h := New().Instrument(ok, true, finder)
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, req)
		}
	})
}
