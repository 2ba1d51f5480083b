package authcache

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/identity"
	"github.com/homekeep/homekeep/internal/testvalkey"
)

// knownToken makes Valkey map h to id, as a sign-in on another process would have, and waits until it did.
func knownToken(t *testing.T, c *Cache, h TokenHash, id int64) {
	t.Helper()
	c.tokens.Add(h, id)
	require.Eventually(t, func() bool { got, ok := c.TokenUserID(context.Background(), h); return ok && got == id },
		2*time.Second, time.Millisecond, "the token never reached Valkey")
}

// signedIn remembers a sign-in on c, as the login handler does, and waits until its token and user are
// in Valkey.
func signedIn(t *testing.T, c *Cache, h TokenHash, u *identity.User) {
	t.Helper()
	require.Eventually(t, func() bool { return c.subscribed.Load() }, 2*time.Second, time.Millisecond)
	c.Remember(h, u)
	require.Eventually(t, func() bool {
		_, tok := c.TokenUserID(context.Background(), h)
		_, usr, _ := c.shared.Get(context.Background(), u.ID)
		return tok && usr
	}, 2*time.Second, time.Millisecond, "the sign-in never reached Valkey")
}

// userFillsSettled waits until the user fills c has queued so far are decided: a guarded fill of a marker
// user queued after them lands, and the queue writes in order.
func userFillsSettled(t *testing.T, c, reader *Cache) {
	t.Helper()
	ctx := context.Background()
	const markerID = 1 << 40
	h := HashToken("user-fills-settled-" + t.Name())
	knownToken(t, c, h, markerID)
	_, err := c.Resolve(ctx, h, (&loader{user: &identity.User{ID: markerID, IsActive: true}}).load)
	require.NoError(t, err)
	require.Eventually(t, func() bool { _, ok, _ := reader.shared.Get(ctx, markerID); return ok },
		2*time.Second, time.Millisecond, "a user fill queued after the others never landed")
}

func TestSharedUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ARestartedProcessFindsTheUserInValkey", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		a, _ := newShared(t, url, prefix)
		h := HashToken("signed in before the restart")
		signedIn(t, a, h, &identity.User{ID: 11, FirstName: "Ada", IsActive: true})
		b, _ := newShared(t, url, prefix)
		require.Eventually(t, func() bool { return b.subscribed.Load() }, 2*time.Second, time.Millisecond)
		l := &loader{user: &identity.User{ID: 11, FirstName: "from SQL", IsActive: true}}
		u, err := b.Resolve(ctx, h, l.load)
		require.NoError(t, err)
		require.Equal(t, "Ada", u.FirstName)
		require.Zero(t, l.calls.Load(), "a new process finds token and user in Valkey: no lookup")
	})

	t.Run("AFillRacingAnEvictionNeverResurrectsTheOldUser", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		a, _ := newShared(t, url, prefix)
		b, _ := newShared(t, url, prefix)
		require.Eventually(t, func() bool { return a.subscribed.Load() && b.subscribed.Load() }, 2*time.Second, time.Millisecond)
		h := HashToken("profile changed mid-lookup")
		knownToken(t, a, h, 21)
		// b reads the user from PostgreSQL just before a's profile change commits and evicts it.
		l := &loader{user: &identity.User{ID: 21, FirstName: "Old", IsActive: true},
			before: func() { require.NoError(t, a.EvictUser(ctx, 21)) }}
		u, err := b.Resolve(ctx, h, l.load)
		require.NoError(t, err)
		require.Equal(t, "Old", u.FirstName, "the lookup itself saw the old user")
		userFillsSettled(t, b, a)

		c, _ := newShared(t, url, prefix) // a process that never invalidated the key reads Valkey as it is
		_, ok, _ := c.shared.Get(ctx, 21)
		require.False(t, ok, "the late fill was refused: Valkey does not hold the old user")
		fresh := &loader{user: &identity.User{ID: 21, FirstName: "New", IsActive: true}}
		for _, c := range []*Cache{a, b} {
			u, err := c.Resolve(ctx, h, fresh.load)
			require.NoError(t, err)
			require.Equal(t, "New", u.FirstName, "no process serves the old user")
		}
	})

	t.Run("AnEvictionReachesAProcessReadingValkey", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		a, _ := newShared(t, url, prefix)
		b, _ := newShared(t, url, prefix)
		require.Eventually(t, func() bool { return a.subscribed.Load() && b.subscribed.Load() }, 2*time.Second, time.Millisecond)
		h := HashToken("evicted while in valkey")
		signedIn(t, a, h, &identity.User{ID: 31, FirstName: "Old", IsActive: true})
		old := &loader{user: &identity.User{ID: 31, FirstName: "from SQL", IsActive: true}}
		u, err := b.Resolve(ctx, h, old.load)
		require.NoError(t, err)
		require.Equal(t, "Old", u.FirstName, "b read the user from Valkey")
		b.users.Invalidate(31) // b's in-process entry expired: the next read goes to Valkey

		require.NoError(t, a.EvictUser(ctx, 31))
		fresh := &loader{user: &identity.User{ID: 31, FirstName: "New", IsActive: true}}
		require.Eventually(t, func() bool {
			u, err := b.Resolve(ctx, h, fresh.load)
			return err == nil && u.FirstName == "New"
		}, 2*time.Second, time.Millisecond, "b kept the old user")
		for range 20 {
			u, err := b.Resolve(ctx, h, fresh.load)
			require.NoError(t, err)
			require.Equal(t, "New", u.FirstName, "the old user never comes back")
		}
	})
}
