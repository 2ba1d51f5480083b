package httpserver

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// RealIP sets r.RemoteAddr to the client's address. Forwarding headers (X-Forwarded-For, X-Real-IP) are
// believed only when the direct peer is a trusted proxy, and X-Forwarded-For is read from the right, skipping
// trusted hops, so a client cannot pick its own address (rate limits are keyed by it).
func RealIP(trusted []netip.Prefix) func(http.Handler) http.Handler {
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			peer := peerAddr(r.RemoteAddr)
			client := peer
			if peer.IsValid() && isTrusted(peer) {
				if ip, ok := fromForwarded(r.Header.Values("X-Forwarded-For"), isTrusted); ok {
					client = ip
				} else if ip, err := netip.ParseAddr(strings.TrimSpace(r.Header.Get("X-Real-IP"))); err == nil {
					client = ip
				}
			}
			if client.IsValid() {
				r.RemoteAddr = client.Unmap().String()
			}
			next.ServeHTTP(w, r)
		})
	}
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a
}

// fromForwarded returns the rightmost address in the X-Forwarded-For chain that is not a trusted proxy.
func fromForwarded(values []string, isTrusted func(netip.Addr) bool) (netip.Addr, bool) {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	var last netip.Addr
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return last, last.IsValid()
		}
		last = a
		if !isTrusted(a) {
			return a, true
		}
	}
	return last, last.IsValid()
}
