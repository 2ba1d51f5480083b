package bench

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// DelayedProxy starts a TCP proxy to upstream on a free loopback port that delays every chunk by rtt/2 in
// each direction, so a request and its answer take rtt more than they would directly. It runs in process
// without Toxiproxy's HTTP API (whose Listen exits the process on a bind error) and stops when the test ends.
func DelayedProxy(t testing.TB, name, upstream string, rtt time.Duration) (addr string) {
	t.Helper()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatalf("bench: error starting proxy %s: %v", name, err)
	}
	t.Cleanup(p.Stop)
	// The latency toxic holds each chunk for its latency before passing it on, per direction.
	half := rtt.Milliseconds() / 2
	for _, stream := range []string{"upstream", "downstream"} {
		body := fmt.Sprintf(`{"name":"latency_%s","type":"latency","stream":%q,"attributes":{"latency":%d}}`,
			stream, stream, half)
		if _, err := p.Toxics.AddToxicJson(strings.NewReader(body)); err != nil {
			t.Fatalf("bench: error adding the %s latency toxic: %v", stream, err)
		}
	}
	return p.Listen
}

// WithHost returns databaseURL with its host and port replaced by addr.
func WithHost(t testing.TB, databaseURL, addr string) string {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatalf("bench: error parsing database URL: %v", err)
	}
	u.Host = addr
	return u.String()
}
