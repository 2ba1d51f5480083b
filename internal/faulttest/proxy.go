// Package faulttest puts an in-process Toxiproxy between a test's Homekeep processes and PostgreSQL or
// Valkey, so that the faults production meets (a slow database, a connection reset mid-query, a cache that
// accepts connections and never answers) are injected by `make test` rather than by hand. Its tests hold the
// server to what the README's "Reliability" promises under each fault, in numbers: errors during the fault,
// latency, time to recover, and no 500.
package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Proxy forwards a loopback port to one upstream through Toxiproxy until the test ends. It runs without
// Toxiproxy's HTTP API (whose Listen exits the process on a bind error); toxics are added and removed
// through its Go API.
type Proxy struct {
	// Addr is the proxy's host:port; point a client at it instead of the upstream.
	Addr string
	p    *toxiproxy.Proxy
}

// Start starts a proxy to upstream (host:port) on a free loopback port.
func Start(t testing.TB, name, upstream string) *Proxy {
	t.Helper()
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, name, "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		t.Fatalf("faulttest: error starting proxy %s to %s: %v", name, upstream, err)
	}
	t.Cleanup(p.Stop)
	return &Proxy{Addr: p.Listen, p: p}
}

// StartFor starts a proxy to the host of rawURL (postgres:// or redis://) and returns it with rawURL
// rewritten to go through it.
func StartFor(t testing.TB, name, rawURL string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("faulttest: error parsing %s URL: %v", name, err)
	}
	p := Start(t, name, u.Host)
	u.Host = p.Addr
	return p, u.String()
}

// Toxic is one of Toxiproxy's toxics: Type is latency, reset_peer, timeout, ...; Stream is upstream (client
// to server) or downstream (server to client); Attributes are the type's, in milliseconds where timed.
type Toxic struct {
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Stream     string         `json:"stream"`
	Attributes map[string]any `json:"attributes"`
}

// Latency holds every chunk from the server for ms milliseconds before passing it on.
func Latency(ms int) Toxic {
	return Toxic{Name: "latency", Type: "latency", Stream: "downstream", Attributes: map[string]any{"latency": ms}}
}

// ResetPeer resets (TCP RST) every connection as soon as the client sends on it: a query in flight on a
// pooled connection, or the start-up packet of a new one, fails with "connection reset by peer".
func ResetPeer() Toxic {
	return Toxic{Name: "reset", Type: "reset_peer", Stream: "upstream", Attributes: map[string]any{"timeout": 0}}
}

// BlackHole drops everything in the given direction and never closes the connection (a timeout toxic with
// timeout 0): the server accepts connections and never answers, as a hung server or a firewall dropping
// packets does. Removing it closes the connections it held.
func BlackHole(stream string) Toxic {
	return Toxic{Name: "blackhole_" + stream, Type: "timeout", Stream: stream, Attributes: map[string]any{"timeout": 0}}
}

// Add applies toxic to every connection, open or future, until Remove.
func (p *Proxy) Add(t testing.TB, toxic Toxic) {
	t.Helper()
	body, err := json.Marshal(toxic)
	if err != nil {
		t.Fatalf("faulttest: %v", err)
	}
	if _, err := p.p.Toxics.AddToxicJson(strings.NewReader(string(body))); err != nil {
		t.Fatalf("faulttest: error adding toxic %s to %s: %v", toxic.Name, p.p.Name, err)
	}
}

// Remove takes the toxic named name away again.
func (p *Proxy) Remove(t testing.TB, name string) {
	t.Helper()
	if err := p.p.Toxics.RemoveToxic(context.Background(), name); err != nil {
		t.Fatalf("faulttest: error removing toxic %s from %s: %v", name, p.p.Name, err)
	}
}

// String names the proxy and where it forwards to, for test logs.
func (p *Proxy) String() string { return fmt.Sprintf("%s (%s → %s)", p.p.Name, p.Addr, p.p.Upstream) }
