package app

import (
	"context"

	"github.com/homekeep/homekeep/internal/accesscache"
)

// Lookup returns the user's cached residence ids, or on a miss the Fill to hand to Store with the ids a
// statement read afterwards. A list that reads every residence of the user in its own statement (the
// residence list) fills the cache this way for the access checks that follow, at no extra SQL.
func (a *Access) Lookup(ctx context.Context, userID int64) ([]int64, bool, accesscache.Fill) {
	return a.cache.Lookup(ctx, userID)
}

// Store caches ids, every residence the user belonged to as read after the Lookup that returned f, unless a
// membership change of the user came in between; with Valkey in the background.
func (a *Access) Store(f accesscache.Fill, ids []int64) { a.cache.Store(f, ids) }
