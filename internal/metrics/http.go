package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// OperationFinder names the API operation a method and path route to, as the ogen servers' FindRoute does;
// ok is false when the path is not one of its operations.
type OperationFinder func(method, path string) (operation string, ok bool)

// Operations adapts an ogen server's FindRoute (any generated server: the app API's, the admin API's) to an
// OperationFinder answering the operationId.
func Operations[R interface{ OperationID() string }](find func(method, path string) (R, bool)) OperationFinder {
	return func(method, path string) (string, bool) {
		r, ok := find(method, path)
		if !ok {
			return "", false
		}
		return r.OperationID(), true
	}
}

// request is one request's running counts; the SQL tracer finds it in the statement's context.
type request struct {
	statements, roundTrips atomic.Int64
}

type requestKey struct{}

// Instrument serves /metrics itself when onMain is set and passes everything else to next, counting each
// request by operation and status, timing it and observing how many SQL statements and round trips it made.
// finders are asked in order (the admin API before the app API, whose prefix it shares); a path none of them
// knows gets a fixed name (see operationOf), so the label's values stay bounded whatever clients send.
// A nil Metrics (metrics off) returns next as it is.
func (m *Metrics) Instrument(next http.Handler, onMain bool, finders ...OperationFinder) http.Handler {
	if m == nil {
		return next
	}
	metricsHandler := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if onMain && r.URL.Path == Path && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			metricsHandler.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		counts := &request{}
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		// The operation is named from the path as received: the router may rewrite it (trailing slashes).
		method, path := r.Method, r.URL.Path
		defer func() {
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			s := m.operation(operationOf(method, path, finders))
			s.requests(status).Inc()
			s.duration.Observe(time.Since(start).Seconds())
			s.statements.Observe(float64(counts.statements.Load()))
			s.roundTrips.Observe(float64(counts.roundTrips.Load()))
		}()
		next.ServeHTTP(ww, r.WithContext(context.WithValue(r.Context(), requestKey{}, counts)))
	})
}

// operationOf names a request for the operation label: its API operationId, or one of a few fixed names
// for the routes outside the APIs ("other" for anything else, 404s included).
func operationOf(method, path string, finders []OperationFinder) string {
	trimmed := path
	if len(trimmed) > 1 {
		trimmed = strings.TrimRight(trimmed, "/")
	}
	if method == http.MethodHead {
		method = http.MethodGet
	}
	for _, find := range finders {
		if op, ok := find(method, trimmed); ok {
			return op
		}
	}
	switch {
	case trimmed == "/healthz":
		return "healthz"
	case trimmed == "/readyz":
		return "readyz"
	case trimmed == Path:
		return "metrics"
	case trimmed == "/admin" || strings.HasPrefix(trimmed, "/admin/"):
		return "admin_panel"
	case strings.HasPrefix(trimmed, "/api/"):
		return "api_unmatched"
	}
	return "other"
}

// opSeries are one operation's series, looked up once: WithLabelValues hashes its labels on every call,
// which would be most of what the middleware costs.
type opSeries struct {
	duration, statements, roundTrips prometheus.Observer
	op                               string
	counters                         *prometheus.CounterVec
	// byStatus maps a status code to its request counter.
	byStatus sync.Map
}

// operation returns op's series, creating them on its first request.
func (m *Metrics) operation(op string) *opSeries {
	if s, ok := m.ops.Load(op); ok {
		return s.(*opSeries) //nolint:forcetypeassert // only *opSeries are stored
	}
	s, _ := m.ops.LoadOrStore(op, &opSeries{op: op, counters: m.requests,
		duration: m.duration.WithLabelValues(op), statements: m.statements.WithLabelValues(op),
		roundTrips: m.roundTrips.WithLabelValues(op)})
	return s.(*opSeries) //nolint:forcetypeassert // only *opSeries are stored
}

// requests returns the counter of the operation's requests answered with status.
func (s *opSeries) requests(status int) prometheus.Counter {
	if c, ok := s.byStatus.Load(status); ok {
		return c.(prometheus.Counter) //nolint:forcetypeassert // only counters are stored
	}
	c, _ := s.byStatus.LoadOrStore(status, s.counters.WithLabelValues(s.op, strconv.Itoa(status)))
	return c.(prometheus.Counter) //nolint:forcetypeassert // only counters are stored
}
