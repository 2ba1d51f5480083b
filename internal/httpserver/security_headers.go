package httpserver

import (
	"net/http"
	"net/netip"
	"strings"
)

// The values SecurityHeaders sets, built once: each response shares them (http.Header.Set would allocate a
// slice per header per request; nothing appends to these, and an append to a full slice copies it).
var (
	nosniff        = []string{"nosniff"}
	noReferrer     = []string{"no-referrer"}
	denyFraming    = []string{"DENY"}
	strictHTTPSAge = []string{"max-age=31536000"}
)

// SecurityHeaders sets on every response what a browser needs to treat an API safely: no MIME sniffing
// (X-Content-Type-Options), no referrer sent on from a page of ours (Referrer-Policy), no framing
// (X-Frame-Options), and, when the request arrived over HTTPS (TLS here, or a trusted proxy's
// X-Forwarded-Proto), HSTS for a year. Pages with their own needs (the admin panel, /docs) set their own
// values after this runs, which replace these. It reads the direct peer, so it runs before RealIP.
func SecurityHeaders(trusted []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h["X-Content-Type-Options"] = nosniff
			h["Referrer-Policy"] = noReferrer
			h["X-Frame-Options"] = denyFraming
			if r.TLS != nil || forwardedHTTPS(r, trusted) {
				h["Strict-Transport-Security"] = strictHTTPSAge
			}
			next.ServeHTTP(w, r)
		})
	}
}

// forwardedHTTPS reports whether a trusted proxy says the client's request was HTTPS.
func forwardedHTTPS(r *http.Request, trusted []netip.Prefix) bool {
	proto := r.Header.Get("X-Forwarded-Proto")
	if proto == "" || len(trusted) == 0 {
		return false
	}
	if first, _, _ := strings.Cut(proto, ","); !strings.EqualFold(strings.TrimSpace(first), "https") {
		return false
	}
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		return false
	}
	peer = peer.Unmap()
	for _, p := range trusted {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}
