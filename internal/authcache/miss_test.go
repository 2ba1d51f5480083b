package authcache

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/identity"
	"github.com/homekeep/homekeep/internal/testvalkey"
)

// Begin and Miss.Complete are Resolve split in two, for a read that authenticates inside its own data
// statement: whatever runs between them, they must cache exactly what Resolve would, and nothing a
// revocation or eviction overtook.
func TestBeginAndComplete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("CompleteCachesTheUserLikeResolve", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		a, _ := newShared(t, url, prefix)
		require.Eventually(t, func() bool { return a.subscribed.Load() }, 2*time.Second, time.Millisecond)
		h := HashToken("forgotten by valkey")
		u, miss := a.Begin(ctx, h)
		require.Nil(t, u)
		require.NotNil(t, miss, "nothing cached: a miss")
		miss.Complete(&identity.User{ID: 51, FirstName: "Ada", IsActive: true})
		require.Eventually(t, func() bool { id, ok := a.TokenUserID(ctx, h); return ok && id == 51 },
			2*time.Second, time.Millisecond, "the token was filled")
		u, miss = a.Begin(ctx, h)
		require.Nil(t, miss, "cached now")
		require.Equal(t, "Ada", u.FirstName)

		b, _ := newShared(t, url, prefix) // a restarted process finds token and user in Valkey
		require.Eventually(t, func() bool { return b.subscribed.Load() }, 2*time.Second, time.Millisecond)
		require.Eventually(t, func() bool { u, miss := b.Begin(ctx, h); return miss == nil && u.ID == 51 },
			2*time.Second, time.Millisecond, "the user reached Valkey")
	})

	t.Run("ARevocationWhileTheReadIsInFlightWins", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		a, _ := newShared(t, url, prefix)
		b, _ := newShared(t, url, prefix)
		h := HashToken("revoked mid-read")
		_, miss := a.Begin(ctx, h)
		require.NotNil(t, miss)
		// The read saw the token just before b's revocation committed; it completes afterwards.
		require.NoError(t, b.RevokeTokens(ctx, h))
		miss.Complete(&identity.User{ID: 52, IsActive: true})
		settled(t, a)
		for _, c := range []*Cache{a, b} {
			_, ok := c.TokenUserID(ctx, h)
			require.False(t, ok, "the tombstone wins over the late fill")
			_, miss := c.Begin(ctx, h)
			require.NotNil(t, miss, "the token is read from PostgreSQL again")
		}
	})

	t.Run("ARevocationWhileTheReadIsInFlightWinsWithoutValkey", func(t *testing.T) {
		t.Parallel()
		c, err := New(Options{TokenTTL: time.Hour, UserTTL: time.Minute, UserCacheSize: 10,
			Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		defer c.Close()
		h := HashToken("revoked mid-read, one process")
		_, miss := c.Begin(ctx, h)
		require.NotNil(t, miss)
		require.NoError(t, c.RevokeTokens(ctx, h))
		miss.Complete(&identity.User{ID: 53, IsActive: true})
		_, ok := c.TokenUserID(ctx, h)
		require.False(t, ok, "the tombstone wins over the late fill")
	})

	t.Run("AnEvictionWhileTheReadIsInFlightWins", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		a, _ := newShared(t, url, prefix)
		b, _ := newShared(t, url, prefix)
		require.Eventually(t, func() bool { return a.subscribed.Load() && b.subscribed.Load() }, 2*time.Second, time.Millisecond)
		h := HashToken("profile changed mid-read")
		knownToken(t, a, h, 54)
		_, miss := b.Begin(ctx, h)
		require.NotNil(t, miss, "the token is known, its user is not")
		require.NoError(t, a.EvictUser(ctx, 54)) // the profile change commits after the read
		miss.Complete(&identity.User{ID: 54, FirstName: "Old", IsActive: true})
		userFillsSettled(t, b, a)

		c, _ := newShared(t, url, prefix)
		_, ok, _ := c.shared.Get(ctx, 54)
		require.False(t, ok, "the late fill was refused: Valkey does not hold the old user")
	})
}
