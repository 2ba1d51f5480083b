package endpoint

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/homekeep/homekeep/internal/telemetry"
)

// Dial and connection timeouts of Client's transport; the whole request is bounded by Client's timeout.
const (
	dialTimeout         = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	idleConnTimeout     = 90 * time.Second
)

// DialControl returns a net.Dialer Control function that refuses to connect to any address the policy
// forbids. Check looks the host up before a send, but the dialer looks it up again; a DNS server that
// answers a public address to the first lookup and 127.0.0.1 to the second (rebinding) is stopped here,
// where the address actually connected to is known.
func DialControl(o Policy) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		addrPort, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: cannot tell the address connected to (%.64s)", ErrNotAllowed, address)
		}
		if err := o.checkAddress(addrPort.Addr()); err != nil {
			return fmt.Errorf("connecting to a push endpoint: %w", err)
		}
		return nil
	}
}

// Client returns an *http.Client for push endpoints: its dialer refuses what DialControl refuses, it uses
// no proxy (a proxy would connect on our behalf, out of the dialer's sight) and it follows no redirects (a
// redirect could point anywhere, and the UnifiedPush spec forbids following them): a 3xx is returned as
// the response. timeout bounds each request, connection and response body included.
func Client(o Policy, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout:  dialTimeout,
		Resolver: o.Resolver,
		Control:  DialControl(o),
	}
	return telemetry.WrapClient(&http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   tlsHandshakeTimeout,
			IdleConnTimeout:       idleConnTimeout,
			MaxIdleConnsPerHost:   4,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       timeout,
	})
}
