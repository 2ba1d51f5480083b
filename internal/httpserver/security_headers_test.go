package httpserver

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEveryResponseCarriesSecurityHeaders(t *testing.T) {
	t.Parallel()
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		name      string
		peer      string
		tls       bool
		proto     string
		wantHSTS  bool
		path      string
		wantState int
	}{
		{name: "PlainHTTP", peer: "192.0.2.1:5000", path: "/healthz", wantState: http.StatusOK},
		{name: "TLS", peer: "192.0.2.1:5000", tls: true, wantHSTS: true, path: "/healthz", wantState: http.StatusOK},
		{name: "TrustedProxySaysHTTPS", peer: "10.1.2.3:5000", proto: "https", wantHSTS: true, path: "/healthz", wantState: http.StatusOK},
		{name: "TrustedProxySaysHTTP", peer: "10.1.2.3:5000", proto: "http", path: "/healthz", wantState: http.StatusOK},
		{name: "UntrustedPeerClaimsHTTPS", peer: "192.0.2.1:5000", proto: "https", path: "/healthz", wantState: http.StatusOK},
		{name: "AnErrorToo", peer: "192.0.2.1:5000", tls: true, wantHSTS: true, path: "/no-such-path", wantState: http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rd := NewReadiness(func(context.Context) error { return nil }, nil)
			rd.MarkReady()
			h := NewRouter(Options{API: http.NotFoundHandler(), Readiness: rd, BodyLimit: 1 << 10,
				TrustedProxies: proxy, Logger: discardLogger()})
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			req.RemoteAddr = tc.peer
			if tc.tls {
				req.TLS = &tls.ConnectionState{}
			}
			if tc.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, tc.wantState, rec.Code)
			require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
			require.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
			require.Equal(t, "DENY", rec.Header().Get("X-Frame-Options"))
			if tc.wantHSTS {
				require.Equal(t, "max-age=31536000", rec.Header().Get("Strict-Transport-Security"))
			} else {
				require.Empty(t, rec.Header().Get("Strict-Transport-Security"))
			}
		})
	}
}
