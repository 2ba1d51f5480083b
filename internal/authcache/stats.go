package authcache

import "github.com/homekeep/homekeep/internal/cachetier"

// CacheStats returns the hits and misses of the token cache (a token's user id, in Valkey or in process) and
// of the user cache (the user of a token that hit, in process or in Valkey), for the metrics.
func (c *Cache) CacheStats() []cachetier.Stats {
	tokens := c.tokens.Stats()
	tokens.Name = "token"
	return []cachetier.Stats{tokens, {Name: "user", Hits: c.userHits.Load(), Misses: c.userMisses.Load()}}
}
