package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/testdb"
)

// TestTwoPurchasesAppliedAtOnceEndWithTheLaterEnd: purchase A (ends in 30 days) is applied and synced in one
// transaction while purchase B (ends in 10 days) of the same account is applied in another, from a snapshot
// without A. B's sync waits for the account's lock, which A holds until it commits, then reads afresh and
// must keep A's later end. (Without the sync B's transaction never writes the subscription from both.)
func TestTwoPurchasesAppliedAtOnceEndWithTheLaterEnd(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := testdb.Pool(t)
	q := dbsqlc.New()
	var user int64
	var token string
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO users (email, password_hash) VALUES ('race@example.com', 'x')
		RETURNING id, app_account_id::text`).Scan(&user, &token))
	now := time.Now().UTC().Truncate(time.Second)
	apply := func(tx pgx.Tx, key string, days int) error {
		until := now.AddDate(0, 0, days)
		_, err := q.StorePurchaseApply(ctx, tx, &dbsqlc.StorePurchaseApplyParams{Store: "apple", PurchaseKey: key,
			AppAccountToken: &token, CallerID: &user, ProductID: "pro.monthly", Environment: "Production",
			EntitledUntil: &until, SetUntil: true, StateAt: now, NewAutoRenew: true})
		return err
	}
	a, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = a.Rollback(context.WithoutCancel(ctx)) }()
	require.NoError(t, apply(a, "purchase-a", 30))
	require.NoError(t, q.StoreSyncSubscription(ctx, a, user))

	done := make(chan error, 1)
	go func() {
		b, err := pool.Begin(ctx)
		if err != nil {
			done <- err
			return
		}
		defer func() { _ = b.Rollback(context.WithoutCancel(ctx)) }()
		if err := apply(b, "purchase-b", 10); err != nil {
			done <- err
			return
		}
		if err := q.StoreSyncSubscription(ctx, b, user); err != nil {
			done <- err
			return
		}
		done <- b.Commit(ctx)
	}()
	time.Sleep(300 * time.Millisecond) // B's sync is blocked behind A's lock now
	require.NoError(t, a.Commit(ctx))
	require.NoError(t, <-done)

	var until time.Time
	require.NoError(t, pool.QueryRow(ctx, `SELECT entitled_until FROM subscriptions WHERE user_id = $1`, user).Scan(&until))
	require.True(t, until.Equal(now.AddDate(0, 0, 30)), "the later end: got %v", until)
}
