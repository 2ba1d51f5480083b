package refcache

import "github.com/homekeep/homekeep/internal/cachetier"

// CacheStats returns the document's cache hits and misses under the cache's name (static_data, paywall), for
// the metrics.
func (c *Cache) CacheStats() []cachetier.Stats { return []cachetier.Stats{c.tier.Stats()} }
