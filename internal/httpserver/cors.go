package httpserver

import (
	"net/http"
	"strconv"
	"strings"
)

// CORS header values. Methods and headers are fixed lists rather than echoes of the preflight, so a browser
// can cache one preflight answer per URL for every request the API takes.
const (
	corsAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE"
	corsAllowHeaders = "Authorization, Content-Type, If-None-Match, If-Range, Range, X-Request-Id"
	// corsExposeHeaders are the response headers a browser app needs to read beyond the CORS-safelisted ones.
	corsExposeHeaders = "ETag, Retry-After, Content-Range, Content-Disposition, Content-Length, Accept-Ranges, Allow, X-Request-Id"
	// corsMaxAge is how long a browser may reuse a preflight answer, in seconds (browsers cap it at 2 h or less).
	corsMaxAge = 2 * 60 * 60
)

// CORS lets browser apps on the allowed origins (scheme://host[:port], or "*" for any) call the API from
// another origin. It answers preflights itself, before readiness and authentication, since a preflight
// carries no token; it gives every response to an allowed origin Access-Control-Allow-Origin and
// Access-Control-Expose-Headers. Responses to other origins carry no CORS headers, and with no origins at all
// no response does: CORS headers that handlers or the generated server set on their own are removed, so
// this middleware alone decides who may read a response.
func CORS(origins []string) func(http.Handler) http.Handler {
	allowed := make(map[string]bool, len(origins))
	anyOrigin := false
	for _, o := range origins {
		if o == "*" {
			anyOrigin = true
		}
		allowed[strings.ToLower(o)] = true
	}
	enabled := len(allowed) > 0
	maxAge := strconv.Itoa(corsMaxAge)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			ok := enabled && origin != "" && (anyOrigin || allowed[strings.ToLower(origin)])
			if enabled && r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h := w.Header()
				h.Add("Vary", "Origin")
				h.Add("Vary", "Access-Control-Request-Method")
				h.Add("Vary", "Access-Control-Request-Headers")
				if ok {
					h.Set("Access-Control-Allow-Origin", origin)
					h.Set("Access-Control-Allow-Methods", corsAllowMethods)
					h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
					h.Set("Access-Control-Max-Age", maxAge)
				}
				w.WriteHeader(http.StatusNoContent)
				return
			}
			cw := &corsWriter{ResponseWriter: w}
			if enabled {
				cw.vary = true
				if ok {
					cw.origin = origin
				}
			}
			next.ServeHTTP(cw, r)
		})
	}
}

// corsWriter settles a response's CORS headers when its header is written: it removes any that the
// handler set and adds the ones CORS decided on.
type corsWriter struct {
	http.ResponseWriter
	origin  string // the allowed origin to name, or "" for no CORS headers
	vary    bool   // CORS is configured, so responses depend on Origin
	written bool
}

func (w *corsWriter) settle() {
	if w.written {
		return
	}
	w.written = true
	h := w.ResponseWriter.Header()
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	if w.vary {
		h.Add("Vary", "Origin")
	}
	if w.origin != "" {
		h.Set("Access-Control-Allow-Origin", w.origin)
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	}
}

// WriteHeader settles the CORS headers before the first final status; informational (1xx) ones pass through.
func (w *corsWriter) WriteHeader(code int) {
	if code >= 200 {
		w.settle()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *corsWriter) Write(b []byte) (int, error) {
	w.settle()
	return w.ResponseWriter.Write(b)
}

// Flush passes through, so streamed responses still stream.
func (w *corsWriter) Flush() {
	w.settle()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (the upload routes set their own deadlines).
func (w *corsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
