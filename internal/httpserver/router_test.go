package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/reqinfo"

	"github.com/homekeep/homekeep/client"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// decodeError decodes the spec's Error shape, failing the test if the body is not one.
func decodeError(t *testing.T, rec *httptest.ResponseRecorder) client.APIError {
	t.Helper()
	require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	var b client.APIError
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &b), "body %q is not the JSON error shape", rec.Body.String())
	return b
}

func TestTrimTrailingSlash(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"KeepsRoot", "/", "/"},
		{"TrimsOneSlash", "/api/static-data/", "/api/static-data"},
		{"TrimsRepeatedSlashes", "/api/static-data//", "/api/static-data"},
		{"LeavesPathWithoutSlash", "/api/static-data", "/api/static-data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got string
			h := TrimTrailingSlash(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.URL.Path }))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, tt.in, nil))
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRealIP(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.0/8")}
	tests := []struct {
		name, remote, xff, xRealIP, want string
	}{
		{"UsesPeerWithoutHeaders", "203.0.113.9:5555", "", "", "203.0.113.9"},
		{"IgnoresHeadersFromUntrustedPeer", "203.0.113.9:5555", "198.51.100.1", "198.51.100.2", "203.0.113.9"},
		{"BelievesTrustedProxy", "10.1.2.3:80", "198.51.100.1", "", "198.51.100.1"},
		{"SkipsTrustedHopsFromTheRight", "10.1.2.3:80", "198.51.100.7, 198.51.100.1, 10.9.9.9", "", "198.51.100.1"},
		{"IgnoresClientSuppliedLeftmostEntry", "127.0.0.1:80", "1.1.1.1, 198.51.100.1", "", "198.51.100.1"},
		{"FallsBackToXRealIP", "10.1.2.3:80", "", "198.51.100.3", "198.51.100.3"},
		{"UnmapsIPv4InIPv6", "[::ffff:203.0.113.9]:1", "", "", "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got string
			h := RealIP(trusted)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.remote
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			if tt.xRealIP != "" {
				req.Header.Set("X-Real-IP", tt.xRealIP)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRecover(t *testing.T) {
	t.Parallel()
	var logged strings.Builder
	logger := slog.New(slog.NewTextHandler(&logged, nil))
	h := Recover(logger)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret detail") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/x", nil))

	require.Equal(t, http.StatusInternalServerError, rec.Code)
	b := decodeError(t, rec)
	require.Equal(t, "internal_error", b.Error.Code)
	require.NotContains(t, rec.Body.String(), "secret detail", "the panic value must not reach the client")
	require.NotContains(t, rec.Body.String(), "goroutine", "the stack must not reach the client")
	require.Contains(t, logged.String(), "secret detail")
	require.Contains(t, logged.String(), "stack=", "the stack goes to the log")
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	read := func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			var mbe *http.MaxBytesError
			require.True(t, errors.As(err, &mbe), "got %v, want *http.MaxBytesError", err)
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	h := BodyLimit(10)(http.HandlerFunc(read))

	t.Run("RejectsDeclaredLengthOverLimit", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", 11))))
		require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		require.Equal(t, "request_too_large", decodeError(t, rec).Error.Code)
	})
	t.Run("StopsUndeclaredLengthAtLimit", func(t *testing.T) {
		t.Parallel()
		req := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(strings.NewReader(strings.Repeat("x", 11))))
		req.ContentLength = -1
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	})
	t.Run("PassesBodyWithinLimit", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("0123456789")))
		require.Equal(t, http.StatusNoContent, rec.Code)
	})
}

func TestBodyLimitRules(t *testing.T) {
	t.Parallel()
	read := func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	h := BodyLimit(10,
		BodyLimitRule{Method: http.MethodPost, Path: "/api/documents", ContentType: "multipart/form-data", Limit: 100},
		BodyLimitRule{Method: http.MethodPut, Path: "/api/documents/{id}/file", Limit: 100},
	)(http.HandlerFunc(read))

	tests := []struct {
		name, method, path, contentType string
		size                            int
		undeclared                      bool
		want                            int
	}{
		{"UploadRouteTakesItsLimit", http.MethodPost, "/api/documents", "multipart/form-data; boundary=x", 100, false, http.StatusNoContent},
		{"UploadRouteStopsAtItsLimit", http.MethodPost, "/api/documents", "multipart/form-data; boundary=x", 101, true, http.StatusRequestEntityTooLarge},
		{"UploadRouteRefusesDeclaredLengthOverItsLimit", http.MethodPost, "/api/documents", "multipart/form-data; boundary=x", 101, false, http.StatusRequestEntityTooLarge},
		{"SameRouteAsJSONKeepsTheDefault", http.MethodPost, "/api/documents", "application/json", 11, false, http.StatusRequestEntityTooLarge},
		{"PathParameterMatchesAnySegment", http.MethodPut, "/api/documents/42/file", "multipart/form-data; boundary=x", 100, true, http.StatusNoContent},
		{"EmptyParameterDoesNotMatch", http.MethodPut, "/api/documents//file", "multipart/form-data; boundary=x", 11, false, http.StatusRequestEntityTooLarge},
		{"LongerPathDoesNotMatch", http.MethodPut, "/api/documents/42/file/x", "multipart/form-data; boundary=x", 11, false, http.StatusRequestEntityTooLarge},
		{"OtherMethodDoesNotMatch", http.MethodPatch, "/api/documents/42/file", "multipart/form-data; boundary=x", 11, false, http.StatusRequestEntityTooLarge},
		{"OtherRoutesKeepTheDefault", http.MethodPost, "/api/tasks", "multipart/form-data; boundary=x", 11, true, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(strings.Repeat("x", tt.size)))
			if tt.undeclared {
				req.Body = io.NopCloser(req.Body)
				req.ContentLength = -1
			}
			req.Header.Set("Content-Type", tt.contentType)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, tt.want, rec.Code, "%s %s with %d bytes", tt.method, tt.path, tt.size)
		})
	}
}

func TestNewRouter(t *testing.T) {
	t.Parallel()
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "api:"+r.URL.Path)
	})
	setup := func(t *testing.T, ready bool) http.Handler {
		t.Helper()
		rd := NewReadiness(func(context.Context) error { return nil }, nil)
		if ready {
			rd.MarkReady()
		}
		return NewRouter(Options{API: api, Readiness: rd, BodyLimit: 1 << 20, Logger: discardLogger()})
	}
	serve := func(h http.Handler, method, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		return rec
	}

	t.Run("HealthzAnswersWhileStarting", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, http.StatusOK, serve(setup(t, false), http.MethodGet, "/healthz").Code)
	})
	t.Run("APIIsUnavailableUntilReady", func(t *testing.T) {
		t.Parallel()
		rec := serve(setup(t, false), http.MethodGet, "/api/static-data")
		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		require.Equal(t, "1", rec.Header().Get("Retry-After"))
		require.Equal(t, "unavailable", decodeError(t, rec).Error.Code)
	})
	t.Run("MountsAPIWithFullPath", func(t *testing.T) {
		t.Parallel()
		rec := serve(setup(t, true), http.MethodGet, "/api/static-data/")
		require.Equal(t, "api:/api/static-data", rec.Body.String(), "ogen routes on the full path, without the slash")
	})
	t.Run("UnknownPathIsJSON404", func(t *testing.T) {
		t.Parallel()
		rec := serve(setup(t, true), http.MethodGet, "/nope")
		require.Equal(t, http.StatusNotFound, rec.Code)
		require.Equal(t, "not_found", decodeError(t, rec).Error.Code)
	})
	t.Run("WrongMethodIsJSON405", func(t *testing.T) {
		t.Parallel()
		rec := serve(setup(t, true), http.MethodDelete, "/healthz")
		require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
		require.Equal(t, "method_not_allowed", decodeError(t, rec).Error.Code)
	})
	t.Run("AssignsRequestID", func(t *testing.T) {
		t.Parallel()
		var logged strings.Builder
		rd := NewReadiness(func(context.Context) error { return nil }, nil)
		h := NewRouter(Options{API: api, Readiness: rd, BodyLimit: 1, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
		serve(h, http.MethodGet, "/healthz")
		require.Regexp(t, `request_id=\S+ method=GET path=/healthz status=200`, logged.String())
		require.NotContains(t, logged.String(), "trace_id", "no span, no trace id")
	})
	t.Run("AccessLogNamesTheTraceTheAPINoted", func(t *testing.T) {
		t.Parallel()
		var logged strings.Builder
		rd := NewReadiness(func(context.Context) error { return nil }, nil)
		rd.MarkReady()
		traced := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info := reqinfo.From(r.Context()) // as telemetry.NoteSpan does inside the ogen servers
			info.TraceID, info.SpanID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
			w.WriteHeader(http.StatusNoContent)
		})
		h := NewRouter(Options{API: traced, Readiness: rd, BodyLimit: 1, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
		serve(h, http.MethodGet, "/api/tasks")
		require.Regexp(t, `path=/api/tasks status=204 .*trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7`, logged.String())
	})
}
