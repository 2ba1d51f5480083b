package delivery_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/delivery"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/unsubscribe"
)

// TestKeyIsMadeOnceAndShared: two processes (two Signers on one database) that start at once use one key, so
// a link one process signed is valid on the other; a failed load is tried again.
func TestKeyIsMadeOnceAndShared(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := testdb.Pool(t)
	a, b := unsubscribe.New(delivery.SecretStore(pool)), unsubscribe.New(delivery.SecretStore(pool))
	claims := unsubscribe.Claims{UserID: 7, Kind: "member_joined", Expires: time.Now().Add(time.Hour)}
	tokens := make(chan string, 2)
	for _, s := range []*unsubscribe.Signer{a, b} {
		go func() {
			tok, err := s.Token(ctx, claims)
			if err != nil {
				tok = "error: " + err.Error()
			}
			tokens <- tok
		}()
	}
	t1, t2 := <-tokens, <-tokens
	require.Equal(t, t1, t2, "one key")
	_, err := b.Check(ctx, t1, time.Now())
	require.NoError(t, err)
	var keys int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM server_secrets").Scan(&keys))
	require.Equal(t, 1, keys)

	var calls atomic.Int32
	flaky := unsubscribe.New(func(ctx context.Context, name string, value []byte) ([]byte, error) {
		if calls.Add(1) == 1 {
			return nil, context.DeadlineExceeded
		}
		return delivery.SecretStore(pool)(ctx, name, value)
	})
	_, err = flaky.Token(ctx, claims)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	tok, err := flaky.Token(ctx, claims)
	require.NoError(t, err)
	require.Equal(t, t1, tok, "the stored key, on the second try")
}
