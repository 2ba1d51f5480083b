package httpserver

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestNetHTTPAnswersBeforeOurCode pins the README's list of responses Go's HTTP server writes itself, as
// text/plain, before any handler of ours runs: if Go starts passing one of these requests on, this fails and
// the README (and our JSON error shape) must cover it.
func TestNetHTTPAnswersBeforeOurCode(t *testing.T) {
	t.Parallel()
	var reached atomic.Int64
	rd := NewReadiness(func(context.Context) error { return nil }, nil)
	rd.MarkReady()
	router := NewRouter(Options{API: http.NotFoundHandler(), Readiness: rd, BodyLimit: 1 << 20, Logger: discardLogger()})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		router.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	const host = "Host: x\r\n"
	tests := []struct {
		name, request string
		status        int
	}{
		{"BadPercentEscapeInPath", "GET /api/residences/%zz HTTP/1.1\r\n" + host + "\r\n", 400},
		{"MalformedRequestLine", "GET /api/x y HTTP/1.1\r\n" + host + "\r\n", 400},
		{"InvalidMethod", "G@T /healthz HTTP/1.1\r\n" + host + "\r\n", 400},
		{"NULInRequestTarget", "GET /healthz?a=\x00 HTTP/1.1\r\n" + host + "\r\n", 400},
		{"MissingHost", "GET /healthz HTTP/1.1\r\n\r\n", 400},
		{"MalformedHost", "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"InvalidHeaderName", "GET /healthz HTTP/1.1\r\n" + host + "Bad Name: x\r\n\r\n", 400},
		{"InvalidHeaderValue", "GET /healthz HTTP/1.1\r\n" + host + "X: a\x01b\r\n\r\n", 400},
		{"BadContentLength", "POST /api/auth/login HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n", 400},
		{"ConflictingContentLengths", "POST /api/auth/login HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
		{"HeadersTooLarge", "GET /healthz HTTP/1.1\r\n" + host + "X: " + strings.Repeat("a", http.DefaultMaxHeaderBytes+4096) + "\r\n\r\n", 431},
		{"UnsupportedTransferEncoding", "POST /api/auth/login HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip\r\n\r\n", 501},
		{"UnsupportedHTTPVersion", "GET /healthz HTTP/3.0\r\n" + host + "\r\n", 505},
		{"UnknownExpectation", "GET /healthz HTTP/1.1\r\n" + host + "Expect: something\r\n\r\n", 417},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
			_, _ = conn.Write([]byte(tt.request)) // the server may answer and close before reading it all
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tt.status, resp.StatusCode)
			if ct := resp.Header.Get("Content-Type"); ct != "" {
				require.Equal(t, "text/plain; charset=utf-8", ct, "net/http's own answer")
			}
			require.True(t, resp.Close, "net/http closes the connection after its own answer")
		})
	}
	require.Zero(t, reached.Load(), "none of these requests reached a handler of ours")
}
