// Package reqinfo carries what ogen handlers cannot see into their context: the client's IP and User-Agent,
// and a place to put response headers (Retry-After on 429). ogen hands handlers a context, not the request.
package reqinfo

import (
	"context"
	"net/http"
)

type ctxKey struct{}

// Info is the request's metadata plus headers to add to its response.
type Info struct {
	IP        string
	UserAgent string
	// TraceID and SpanID are the request's server span (hex), set by the API servers when tracing is on, so
	// the access log, written outside that span, names the trace too.
	TraceID, SpanID string
	header          http.Header
	// safe is set for GET and HEAD, which RFC 9110 defines as changing nothing on the server.
	safe bool
}

// Middleware stores an Info in each request's context and writes any headers a handler set on it.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := &Info{IP: r.RemoteAddr, UserAgent: r.UserAgent(), header: w.Header(),
			safe: r.Method == http.MethodGet || r.Method == http.MethodHead}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, info)))
	})
}

// From returns the request's Info; outside a request it returns an empty one, so callers need no nil check.
func From(ctx context.Context) *Info {
	if info, ok := ctx.Value(ctxKey{}).(*Info); ok {
		return info
	}
	return &Info{header: http.Header{}}
}

// InRequest reports whether ctx belongs to an HTTP request (the connection pool uses it to keep slow
// connection set-up off the request path).
func InRequest(ctx context.Context) bool {
	_, ok := ctx.Value(ctxKey{}).(*Info)
	return ok
}

// ReadOnly reports whether ctx belongs to a request with a safe method (GET, HEAD), whose statements are
// therefore all reads: the database layer repeats one whose connection PostgreSQL had closed (see dbpool.DB).
func ReadOnly(ctx context.Context) bool {
	info, ok := ctx.Value(ctxKey{}).(*Info)
	return ok && info.safe
}

// SetHeader sets a header on the response. It must be called before the response is written, which holds
// for anything a handler does before returning.
func (i *Info) SetHeader(key, value string) { i.header.Set(key, value) }

type headKey struct{}

// AsHead marks ctx as belonging to a HEAD request that is served as the GET it mirrors; the response body is
// dropped by net/http, so handlers may skip producing a large one (see IsHead).
func AsHead(ctx context.Context) context.Context { return context.WithValue(ctx, headKey{}, true) }

// IsHead reports whether ctx belongs to a HEAD request served as a GET, whose body nobody will read.
func IsHead(ctx context.Context) bool {
	head, _ := ctx.Value(headKey{}).(bool)
	return head
}
