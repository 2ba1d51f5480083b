package httpserver

import (
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/reqinfo"
)

// AccessLog writes one structured line per request once it has been answered.
func AccessLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			defer func() {
				status := ww.Status()
				if status == 0 {
					status = http.StatusOK
				}
				level := slog.LevelInfo
				if status >= 500 {
					level = slog.LevelError
				}
				attrs := []slog.Attr{
					slog.String("request_id", middleware.GetReqID(r.Context())),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.Int("status", status),
					slog.Int("bytes", ww.BytesWritten()),
					slog.Duration("duration", time.Since(start)),
					slog.String("remote_ip", r.RemoteAddr),
				}
				// The API servers note their span here when tracing is on (reqinfo runs before this log).
				if info := reqinfo.From(r.Context()); info.TraceID != "" {
					attrs = append(attrs, slog.String("trace_id", info.TraceID), slog.String("span_id", info.SpanID))
				}
				logger.LogAttrs(r.Context(), level, "request", attrs...)
			}()
			next.ServeHTTP(ww, r)
		})
	}
}

// Recover turns a panic into a 500 with the JSON error body. The stack goes to the log, never to the client.
func Recover(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				rec := recover()
				if rec == nil {
					return
				}
				if rec == http.ErrAbortHandler { //nolint:errorlint // a sentinel compared as net/http does
					panic(rec)
				}
				logger.ErrorContext(r.Context(), "panic serving request",
					"request_id", middleware.GetReqID(r.Context()),
					"panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
				apierror.Write(w, apierror.Internal(fmt.Errorf("panic: %v", rec)))
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// BodyLimitRule gives matching requests a body limit of their own: the upload routes take files far larger
// than a JSON body.
type BodyLimitRule struct {
	Method string
	// Path is matched segment by segment; a segment in braces, such as {id}, matches any one segment.
	Path string
	// ContentType, when set, is the media type the request must declare (e.g. multipart/form-data), so the
	// same route sent as JSON keeps the default limit.
	ContentType string
	Limit       int64
	// Deadline, when set, replaces the server's read and write timeouts for matching requests: moving a
	// 25 MiB file over a phone connection takes longer than a JSON request may.
	Deadline time.Duration
}

// matches reports whether r is a request the rule is for.
func (rule BodyLimitRule) matches(r *http.Request) bool {
	if r.Method != rule.Method || !pathMatches(rule.Path, r.URL.Path) {
		return false
	}
	if rule.ContentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == rule.ContentType
}

// pathMatches matches path against pattern segment by segment, a {name} segment matching any non-empty one.
func pathMatches(pattern, path string) bool {
	for {
		pSeg, pRest, pMore := strings.Cut(pattern, "/")
		seg, rest, more := strings.Cut(path, "/")
		isParam := len(pSeg) > 2 && pSeg[0] == '{' && pSeg[len(pSeg)-1] == '}'
		if pMore != more || (isParam && seg == "") || (!isParam && pSeg != seg) {
			return false
		}
		if !more {
			return true
		}
		pattern, path = pRest, rest
	}
}

// BodyLimit caps every request body at limit bytes, or at the limit of the first rule the request matches;
// reading past it fails with *http.MaxBytesError, which the API answers with 413. A body declared larger
// than the limit is refused before it is read.
func BodyLimit(limit int64, rules ...BodyLimitRule) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			limit := limit
			for _, rule := range rules {
				if rule.matches(r) {
					if rule.Limit > 0 {
						limit = rule.Limit
					}
					if rule.Deadline > 0 {
						rc := http.NewResponseController(w)
						_ = rc.SetReadDeadline(time.Now().Add(rule.Deadline))
						_ = rc.SetWriteDeadline(time.Now().Add(rule.Deadline))
					}
					break
				}
			}
			if r.ContentLength > limit {
				apierror.Write(w, apierror.From(&http.MaxBytesError{Limit: limit}))
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, limit)
			}
			next.ServeHTTP(w, r)
		})
	}
}
