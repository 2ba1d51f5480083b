// Package httpserver is Homekeep's HTTP front: the chi router with its middleware (request ids, real client
// IPs, panic recovery, access log, body limit, trailing slashes), the health and readiness probes, and a
// server that drains on shutdown without failing a request a client has sent (ServeDraining).
package httpserver

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/reqinfo"
)

// Options configures NewRouter.
type Options struct {
	// API serves everything under /api; it must route on the full path (ogen's WithPathPrefix).
	API http.Handler
	// Admin, when set, serves everything under /api/admin (the admin API, internal/app/admin) in place of API; it
	// must route on the full path too.
	Admin http.Handler
	// Panel, when set, serves the admin web pages under /admin (internal/adminweb).
	Panel http.Handler
	// Readiness answers /readyz and holds API traffic until the pool is warm.
	Readiness *Readiness
	// BodyLimit caps request bodies in bytes.
	BodyLimit int64
	// BodyLimitRules give some requests (uploads) another limit; the first matching rule applies. A rule's
	// Deadline also replaces RequestTimeout for the requests it matches.
	BodyLimitRules []BodyLimitRule
	// RequestTimeout bounds each request's context (REQUEST_TIMEOUT); zero leaves requests unbounded.
	RequestTimeout time.Duration
	// TrustedProxies are the peers whose forwarding headers name the real client.
	TrustedProxies []netip.Prefix
	// CORSOrigins are the browser origins allowed to call the API (CORS); none means no CORS headers.
	CORSOrigins []string
	// Docs are GET routes outside /api by path (the spec and its reference, apidocs.Docs.Routes): public, and
	// served before the pool is warm.
	Docs   map[string]http.Handler
	Logger *slog.Logger
}

// NewRouter returns the complete HTTP handler.
func NewRouter(o Options) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(RequestIDHeader)
	// Before RealIP: whether X-Forwarded-Proto is believed depends on the direct peer.
	r.Use(SecurityHeaders(o.TrustedProxies))
	r.Use(RealIP(o.TrustedProxies))
	// reqinfo before the access log, which reads the trace ids the API servers note in it.
	r.Use(reqinfo.Middleware)
	r.Use(AccessLog(o.Logger))
	// CORS answers preflights before readiness and authentication, and wraps Recover so a 500 still reaches
	// the browser app that caused it.
	r.Use(CORS(o.CORSOrigins))
	r.Use(Recover(o.Logger))
	r.Use(HeadAsGet)
	r.Use(BodyLimit(o.BodyLimit, o.BodyLimitRules...))
	r.Use(RequestDeadline(o.RequestTimeout, o.BodyLimitRules...))

	// The same answers as the API server's inside /api (api.NewServer passes these to ogen).
	r.NotFound(apierror.WriteNotFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		apierror.WriteMethodNotAllowed(w, req, allowedMethods(r, req.URL.Path))
	})

	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	r.Get("/readyz", o.Readiness.ServeHTTP)
	for path, h := range o.Docs {
		r.Method(http.MethodGet, path, h)
	}
	r.Mount("/api", o.Readiness.Gate(o.API))
	if o.Admin != nil {
		r.Mount("/api/admin", o.Readiness.Gate(o.Admin))
	}
	if o.Panel != nil {
		r.Mount("/admin", o.Readiness.Gate(o.Panel))
	}

	return TrimTrailingSlash(r)
}

// allowedMethods lists the methods routes serves path with, comma-separated, for the Allow header of a 405:
// chi keeps its own list to itself once the 405 handler is ours. It runs only on the 405 path.
func allowedMethods(routes chi.Routes, path string) string {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if routes.Match(chi.NewRouteContext(), m, path) {
			allowed = append(allowed, m)
		}
	}
	return strings.Join(allowed, ",")
}

// RequestIDHeader returns the request's id (the client's X-Request-Id, or one chi made up) in the X-Request-Id
// response header, so a client can quote it in a bug report and it can be found in the access log.
func RequestIDHeader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := middleware.GetReqID(r.Context()); id != "" {
			w.Header().Set(middleware.RequestIDHeader, id)
		}
		next.ServeHTTP(w, r)
	})
}

// TrimTrailingSlash serves /api/x/ as /api/x, because the mobile app sends trailing slashes and neither chi
// nor ogen matches them. It runs before routing, so every route accepts both forms.
func TrimTrailingSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r.URL.Path = strings.TrimRight(p, "/")
			if r.URL.Path == "" {
				r.URL.Path = "/"
			}
			if rp := r.URL.RawPath; rp != "" {
				r.URL.RawPath = strings.TrimRight(rp, "/")
			}
		}
		next.ServeHTTP(w, r)
	})
}
