package httpserver

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/homekeep/homekeep/internal/apierror"
)

// Readiness tracks whether the process may take traffic: it is not ready until MarkReady (called after the
// database pool is warm), and then ready while PostgreSQL answers. Valkey, when configured, only degrades it:
// the server keeps serving from PostgreSQL without it.
type Readiness struct {
	ready    atomic.Bool
	draining atomic.Bool
	postgres func(context.Context) error
	valkey   func(context.Context) error // nil when VALKEY_URL is unset
}

// NewReadiness returns a Readiness that checks postgres and, when valkey is non-nil, Valkey.
func NewReadiness(postgres, valkey func(context.Context) error) *Readiness {
	return &Readiness{postgres: postgres, valkey: valkey}
}

// MarkReady records that start-up (migrations, warm pool) has finished.
func (rd *Readiness) MarkReady() { rd.ready.Store(true) }

// Ready reports whether start-up has finished.
func (rd *Readiness) Ready() bool { return rd.ready.Load() }

// MarkDraining records that shutdown has begun: /readyz answers 503 "draining" from now on, so a load
// balancer stops sending, while every other route goes on answering as before until the listener closes.
func (rd *Readiness) MarkDraining() { rd.draining.Store(true) }

type readyBody struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// ServeHTTP answers /readyz: 503 "draining" once MarkDraining was called (without probing anything: the
// answer must not wait on a slow database), 503 "starting" before MarkReady, 503 "unavailable" when
// PostgreSQL does not answer, 200 "degraded" when Valkey is configured but unreachable, and 200 "ready"
// otherwise.
func (rd *Readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := readyBody{Status: "ready", Checks: map[string]string{}}
	status := http.StatusOK
	switch {
	case rd.draining.Load():
		body.Status, status = "draining", http.StatusServiceUnavailable
		body.Checks["shutdown"] = "draining: stop sending new requests here"
	case !rd.Ready():
		body.Status, status = "starting", http.StatusServiceUnavailable
		body.Checks["postgres"] = "warming up"
	default:
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		body.Checks["postgres"] = "ok"
		if err := rd.postgres(ctx); err != nil {
			body.Checks["postgres"] = "unreachable"
			body.Status, status = "unavailable", http.StatusServiceUnavailable
		}
		switch {
		case rd.valkey == nil:
			body.Checks["valkey"] = "not configured"
		case rd.valkey(ctx) != nil:
			body.Checks["valkey"] = "unreachable"
			if status == http.StatusOK {
				body.Status = "degraded"
			}
		default:
			body.Checks["valkey"] = "ok"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// Gate answers 503 with Retry-After until MarkReady, so a request that reaches a process still warming up
// is told to retry rather than paying for connections being opened.
func (rd *Readiness) Gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rd.Ready() {
			w.Header().Set("Retry-After", "1")
			apierror.Write(w, apierror.New(http.StatusServiceUnavailable, apierror.CodeUnavailable,
				"the server is starting; retry in a moment"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
