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

// DelayedProxy starts a TCP proxy to upstream on a free loopback port that delays every chunk so that a
// request and its answer take rtt more than they would directly: half of it on the way there, half on the
// way back (an odd number of milliseconds puts the extra one on the way there, so a 1 ms RTT is 1 ms out and
// 0 ms back). It runs in process without Toxiproxy's HTTP API (whose Listen exits the process on a bind
// error) and stops when the test ends. Toxiproxy's latency is whole milliseconds.
func DelayedProxy(t testing.TB, name, upstream string, rtt time.Duration) (addr string) {
	t.Helper()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatalf("bench: error starting proxy %s: %v", name, err)
	}
	t.Cleanup(p.Stop)
	down := rtt.Milliseconds() / 2
	for stream, latency := range map[string]int64{"upstream": rtt.Milliseconds() - down, "downstream": down} {
		if latency == 0 {
			continue
		}
		// The latency toxic holds each chunk for its latency before passing it on.
		body := fmt.Sprintf(`{"name":"latency_%s","type":"latency","stream":%q,"attributes":{"latency":%d}}`,
			stream, stream, latency)
		if _, err := p.Toxics.AddToxicJson(strings.NewReader(body)); err != nil {
			t.Fatalf("bench: error adding the %s latency toxic: %v", stream, err)
		}
	}
	return p.Listen
}

// WithHost returns a URL (postgres:// or redis://) with its host and port replaced by addr.
func WithHost(t testing.TB, rawURL, addr string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("bench: error parsing URL: %v", err)
	}
	u.Host = addr
	return u.String()
}
