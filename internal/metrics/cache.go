package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/homekeep/homekeep/internal/cachetier"
)

// CacheCounter is a cache that counts its own hits and misses (authcache, accesscache, refcache): they are
// read when scraped, never pushed.
type CacheCounter interface {
	CacheStats() []cachetier.Stats
}

// ValkeyCounter is the Valkey connection's own counts (valkeyconn.Conn).
type ValkeyCounter interface {
	ClientCacheStats() (hits, misses int64)
	RoundTrips() int64
	BackgroundRoundTrips() int64
}

var (
	cacheHits = prometheus.NewDesc(prometheus.BuildFQName(Namespace, "cache", "hits_total"),
		"Lookups a cache answered (token, user, residence_ids, static_data, paywall), from process memory or Valkey.",
		[]string{"cache"}, nil)
	cacheMisses = prometheus.NewDesc(prometheus.BuildFQName(Namespace, "cache", "misses_total"),
		"Lookups a cache could not answer, which went to PostgreSQL.", []string{"cache"}, nil)
	valkeyClientHits = prometheus.NewDesc(prometheus.BuildFQName(Namespace, "valkey", "client_cache_hits_total"),
		"Keys read through valkey-go's client-side cache that were answered from process memory (no round trip).",
		nil, nil)
	valkeyClientMisses = prometheus.NewDesc(prometheus.BuildFQName(Namespace, "valkey", "client_cache_misses_total"),
		"Keys read through valkey-go's client-side cache that went to Valkey.", nil, nil)
	valkeyTrips = prometheus.NewDesc(prometheus.BuildFQName(Namespace, "valkey", "round_trips_total"),
		"Network round trips to Valkey, by whether a request waited for them (request) or not (background).",
		[]string{"kind"}, nil)
)

// cacheCollector reads the caches' and the Valkey connection's counters when scraped.
type cacheCollector struct {
	caches []CacheCounter
	valkey ValkeyCounter
}

// WatchCaches exports the caches' hits and misses and, when valkey is not nil, the Valkey connection's
// client-side cache hits and misses and round trips. A nil Metrics does nothing.
func (m *Metrics) WatchCaches(valkey ValkeyCounter, caches ...CacheCounter) {
	if m == nil {
		return
	}
	m.reg.MustRegister(cacheCollector{caches: caches, valkey: valkey})
}

// Describe implements prometheus.Collector.
func (c cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- cacheHits
	ch <- cacheMisses
	if c.valkey != nil {
		ch <- valkeyClientHits
		ch <- valkeyClientMisses
		ch <- valkeyTrips
	}
}

// Collect implements prometheus.Collector.
func (c cacheCollector) Collect(ch chan<- prometheus.Metric) {
	for _, cache := range c.caches {
		for _, s := range cache.CacheStats() {
			ch <- prometheus.MustNewConstMetric(cacheHits, prometheus.CounterValue, float64(s.Hits), s.Name)
			ch <- prometheus.MustNewConstMetric(cacheMisses, prometheus.CounterValue, float64(s.Misses), s.Name)
		}
	}
	if c.valkey == nil {
		return
	}
	hits, misses := c.valkey.ClientCacheStats()
	ch <- prometheus.MustNewConstMetric(valkeyClientHits, prometheus.CounterValue, float64(hits))
	ch <- prometheus.MustNewConstMetric(valkeyClientMisses, prometheus.CounterValue, float64(misses))
	ch <- prometheus.MustNewConstMetric(valkeyTrips, prometheus.CounterValue, float64(c.valkey.RoundTrips()), "request")
	ch <- prometheus.MustNewConstMetric(valkeyTrips, prometheus.CounterValue, float64(c.valkey.BackgroundRoundTrips()), "background")
}
