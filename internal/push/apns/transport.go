package apns

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"time"
)

// readIdleTimeout is how long the shared HTTP/2 connection may be silent before a ping checks it, so a
// connection that died quietly (a NAT forgetting it, say) is found before a push waits on it.
const readIdleTimeout = 15 * time.Second

// idleConnTimeout closes the connection after this long without a push; APNs asks providers to keep
// connections open, and a reminder run comes at least every 15 minutes.
const idleConnTimeout = 30 * time.Minute

// replyKey is the context key under which a push's replyHeader travels to headerTransport.
type replyKey struct{}

// replyHeader keeps the reply headers that apns2's Response leaves out.
type replyHeader struct {
	retryAfter string
}

// headerTransport copies Retry-After from each reply into the replyHeader in its request's context: apns2's
// Response carries the status, reason and apns-id only.
type headerTransport struct {
	next http.RoundTripper
}

// RoundTrip sends r and notes the reply's Retry-After.
func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	if h, ok := r.Context().Value(replyKey{}).(*replyHeader); ok {
		h.retryAfter = resp.Header.Get("Retry-After")
	}
	return resp, nil
}

// newTransport returns a transport that speaks HTTP/2 only, as APNs requires, trusting rootCAs when set (tests)
// and the system's roots otherwise.
func newTransport(rootCAs *x509.CertPool) *http.Transport {
	var protocols http.Protocols
	protocols.SetHTTP2(true)
	return &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{RootCAs: rootCAs, MinVersion: tls.VersionTLS12},
		Protocols:       &protocols,
		HTTP2:           &http.HTTP2Config{SendPingTimeout: readIdleTimeout},
		IdleConnTimeout: idleConnTimeout,
	}
}

// withReply returns ctx carrying h for headerTransport to fill.
func withReply(ctx context.Context, h *replyHeader) context.Context {
	return context.WithValue(ctx, replyKey{}, h)
}
