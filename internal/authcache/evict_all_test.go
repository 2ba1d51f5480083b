package authcache

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/identity"
	"github.com/homekeep/homekeep/internal/testvalkey"
)

// TestEvictAllUsers: EvictAllUsers on one process empties the in-process user cache of every process
// sharing the channel, and of itself, without touching what is not a user.
func TestEvictAllUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url, prefix := testvalkey.New(t)
	a, _ := newShared(t, url, prefix)
	b, _ := newShared(t, url, prefix)
	require.Eventually(t, func() bool { return a.subscribed.Load() && b.subscribed.Load() }, 2*time.Second, time.Millisecond)
	for _, c := range []*Cache{a, b} {
		c.RememberUser(&identity.User{ID: 31, IsActive: true})
		c.RememberUser(&identity.User{ID: 32, IsActive: true})
	}
	_, ok := b.User(31)
	require.True(t, ok, "b caches user 31 before the eviction")

	require.NoError(t, a.EvictAllUsers(ctx))
	for _, id := range []int64{31, 32} {
		_, ok := a.User(id)
		require.False(t, ok, "a dropped user %d at once", id)
	}
	require.Eventually(t, func() bool {
		_, ok31 := b.User(31)
		_, ok32 := b.User(32)
		return !ok31 && !ok32
	}, 2*time.Second, time.Millisecond, "b never dropped its users")
	require.True(t, b.subscribed.Load(), "the message is not taken for a broken subscription")
}
