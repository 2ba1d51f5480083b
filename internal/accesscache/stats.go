package accesscache

import "github.com/homekeep/homekeep/internal/cachetier"

// CacheStats returns the hits and misses of the residence ids cache, for the metrics.
func (c *Cache) CacheStats() []cachetier.Stats {
	s := c.tier.Stats()
	s.Name = "residence_ids"
	return []cachetier.Stats{s}
}
