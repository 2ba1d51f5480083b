package store_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/store/apple/appletest"
	"github.com/homekeep/homekeep/internal/testwait"
)

// appleBundle is a running instance that takes App Store purchases signed by ca, with workers, so that
// notifications are applied by their jobs.
type appleBundle struct {
	inst *apptest.Instance
	ca   *appletest.CA
}

func appleSetup(t *testing.T) *appleBundle {
	t.Helper()
	ca := appletest.New(t)
	inst := apptest.Start(t, apptest.Options{AppleRoots: ca.Roots, Configure: func(c *config.Config) {
		c.Apple = config.Apple{BundleID: appletest.BundleID, AllowSandbox: true}
		c.Workers = true
	}})
	return &appleBundle{inst: inst, ca: ca}
}

// subscription is the account's GET /subscription.
func (b *appleBundle) subscription(t *testing.T, acct apptest.Account) client.Subscription {
	t.Helper()
	return apptest.Expect[client.Subscription](t, b.inst,
		apptest.Request{Method: http.MethodGet, Path: "/subscription", Token: acct.Token}, http.StatusOK)
}

// purchase posts a signed transaction as acct.
func (b *appleBundle) purchase(t *testing.T, acct apptest.Account, jws string) apptest.Response {
	t.Helper()
	req := apptest.Post("/subscription/apple", map[string]any{"signed_transaction": jws})
	req.Token = acct.Token
	return b.inst.Do(t, req)
}

// buy has acct buy subscription key (an originalTransactionId) signed at signedAt, until expires.
func (b *appleBundle) buy(t *testing.T, acct apptest.Account, key string, signedAt, expires time.Time) client.Subscription {
	t.Helper()
	token := b.subscription(t, acct).AppAccountID.String()
	r := b.purchase(t, acct, b.ca.Sign(t, appletest.Transaction(key, token, signedAt, expires)))
	require.Equal(t, http.StatusOK, r.Status, "the purchase: %s", r.Body)
	var sub client.Subscription
	r.JSON(t, &sub)
	return sub
}

// notify posts a notification about acct's subscription key and waits until its job applied it.
func (b *appleBundle) notify(t *testing.T, acct apptest.Account, typ, subtype, key string, signedAt, expires time.Time,
	edit func(tx map[string]any)) string {
	t.Helper()
	tx := appletest.Transaction(key, b.subscription(t, acct).AppAccountID.String(), signedAt, expires)
	if edit != nil {
		edit(tx)
	}
	id := uuid.NewString()
	b.send(t, b.ca.Sign(t, appletest.Notification(typ, subtype, id, signedAt, b.ca.Sign(t, tx))))
	b.waitApplied(t, id)
	return id
}

// send posts a signed notification and requires 200.
func (b *appleBundle) send(t *testing.T, payload string) {
	t.Helper()
	r := b.inst.Do(t, apptest.Post("/webhooks/apple", map[string]any{"signedPayload": payload}))
	require.Equal(t, http.StatusOK, r.Status, "the notification: %s", r.Body)
}

// waitApplied waits until the job applied notification id.
func (b *appleBundle) waitApplied(t *testing.T, id string) {
	t.Helper()
	testwait.Until(t, 20*time.Second, func() bool {
		var applied bool
		apptest.DBQueryRow(t, b.inst, `SELECT applied_at IS NOT NULL FROM store_events WHERE store = 'apple' AND event_id = $1`,
			[]any{id}, &applied)
		return applied
	}, "notification %s applied", id)
}

// requireUntil checks sub is pro from the store until want.
func requireUntil(t *testing.T, sub client.Subscription, tier client.SubscriptionTier, want time.Time) {
	t.Helper()
	require.Equal(t, tier, sub.Tier)
	require.Equal(t, client.SubscriptionSourceStore, sub.Source)
	got, ok := sub.EntitledUntil.Get()
	require.True(t, ok, "entitled_until is set")
	require.True(t, want.Equal(got), "entitled_until: got %v, want %v", got, want)
}

// key is a fresh originalTransactionId.
func key() string { return fmt.Sprintf("2000%012d", time.Now().UnixNano()%1e12) }

func TestApplePurchases(t *testing.T) {
	t.Parallel()
	b := appleSetup(t)
	// Whole seconds: the API writes date-times to the second.
	now := time.Now().UTC().Truncate(time.Second)

	t.Run("PurchaseUnlocksPro", func(t *testing.T) {
		t.Parallel()
		acct := b.inst.Register(t)
		expires := now.AddDate(0, 1, 0)
		sub := b.buy(t, acct, key(), now.Add(-time.Minute), expires)
		requireUntil(t, sub, client.SubscriptionTierPro, expires)
		require.True(t, sub.AutoRenew)
		requireUntil(t, b.subscription(t, acct), client.SubscriptionTierPro, expires)
	})

	t.Run("AnotherAccountsTokenIsRefused", func(t *testing.T) {
		t.Parallel()
		buyer, other := b.inst.Register(t), b.inst.Register(t)
		otherToken := b.subscription(t, other).AppAccountID.String()
		r := b.purchase(t, buyer, b.ca.Sign(t, appletest.Transaction(key(), otherToken, now, now.AddDate(0, 1, 0))))
		apptest.RequireAPIError(t, r, http.StatusConflict, "purchase_taken", "")
		r = b.purchase(t, buyer, b.ca.Sign(t, appletest.Transaction(key(), uuid.NewString(), now, now.AddDate(0, 1, 0))))
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "signed_transaction")
		require.Equal(t, client.SubscriptionTierFree, b.subscription(t, buyer).Tier)
		require.Equal(t, client.SubscriptionTierFree, b.subscription(t, other).Tier)
	})

	t.Run("APurchaseBoundToAnotherAccountIsRefused", func(t *testing.T) {
		t.Parallel()
		first, second := b.inst.Register(t), b.inst.Register(t)
		k := key()
		b.buy(t, first, k, now.Add(-time.Minute), now.AddDate(0, 1, 0))
		// The same subscription, bought again under the second account's token (restored on its device).
		r := b.purchase(t, second, b.ca.Sign(t, appletest.Transaction(k, b.subscription(t, second).AppAccountID.String(),
			now, now.AddDate(0, 2, 0))))
		apptest.RequireAPIError(t, r, http.StatusConflict, "purchase_taken", "")
		require.Equal(t, client.SubscriptionTierFree, b.subscription(t, second).Tier)
	})

	t.Run("ForgedTokenIsRefused", func(t *testing.T) {
		t.Parallel()
		acct := b.inst.Register(t)
		forger := appletest.New(t)
		tx := appletest.Transaction(key(), b.subscription(t, acct).AppAccountID.String(), now, now.AddDate(1, 0, 0))
		r := b.purchase(t, acct, forger.Sign(t, tx))
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "signed_transaction")
		r = b.inst.Do(t, apptest.Post("/webhooks/apple", map[string]any{"signedPayload": forger.Sign(t,
			appletest.Notification("DID_RENEW", "", uuid.NewString(), now, forger.Sign(t, tx)))}))
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "signedPayload")
		require.Equal(t, client.SubscriptionTierFree, b.subscription(t, acct).Tier)
	})

	t.Run("DidRenewExtends", func(t *testing.T) {
		t.Parallel()
		acct, k := b.inst.Register(t), key()
		b.buy(t, acct, k, now.Add(-time.Hour), now.Add(time.Hour))
		renewed := now.AddDate(0, 1, 0)
		b.notify(t, acct, "DID_RENEW", "", k, now, renewed, nil)
		requireUntil(t, b.subscription(t, acct), client.SubscriptionTierPro, renewed)
	})

	t.Run("ExpiredEnds", func(t *testing.T) {
		t.Parallel()
		acct, k := b.inst.Register(t), key()
		b.buy(t, acct, k, now.Add(-time.Hour), now.Add(time.Hour))
		ended := now.Add(-time.Minute)
		b.notify(t, acct, "EXPIRED", "VOLUNTARY", k, now, ended, nil)
		sub := b.subscription(t, acct)
		requireUntil(t, sub, client.SubscriptionTierFree, ended)
		require.False(t, sub.AutoRenew)
	})

	t.Run("RefundEndsAtRevocation", func(t *testing.T) {
		t.Parallel()
		acct, k := b.inst.Register(t), key()
		b.buy(t, acct, k, now.Add(-time.Hour), now.AddDate(0, 1, 0))
		revoked := now.Add(-30 * time.Second)
		b.notify(t, acct, "REFUND", "", k, now, now.AddDate(0, 1, 0), func(tx map[string]any) {
			// The refund names the transaction it takes back: the one bought.
			tx["transactionId"] = k + "-" + now.Add(-time.Hour).Format("20060102150405")
			tx["revocationDate"], tx["revocationReason"] = revoked.UnixMilli(), 0
		})
		requireUntil(t, b.subscription(t, acct), client.SubscriptionTierFree, revoked)
	})

	t.Run("ARefundOfAnEarlierPeriodKeepsTheLaterOne", func(t *testing.T) {
		t.Parallel()
		acct, k := b.inst.Register(t), key()
		bought := now.Add(-2 * time.Hour)
		b.buy(t, acct, k, bought, now.Add(time.Hour))
		renewed := now.AddDate(0, 1, 0)
		b.notify(t, acct, "DID_RENEW", "", k, now.Add(-time.Hour), renewed, nil)
		requireUntil(t, b.subscription(t, acct), client.SubscriptionTierPro, renewed)
		b.notify(t, acct, "REFUND", "", k, now, now.Add(time.Hour), func(tx map[string]any) {
			tx["transactionId"] = k + "-" + bought.Format("20060102150405") // the first period's
			tx["revocationDate"], tx["revocationReason"] = now.Add(-time.Minute).UnixMilli(), 0
		})
		requireUntil(t, b.subscription(t, acct), client.SubscriptionTierPro, renewed)
	})

	t.Run("RenewalStatusTogglesAutoRenewOnly", func(t *testing.T) {
		t.Parallel()
		acct, k := b.inst.Register(t), key()
		expires := now.AddDate(0, 1, 0)
		b.buy(t, acct, k, now.Add(-time.Hour), expires)
		// The transaction a renewal-status notification carries says nothing new about the end.
		b.notify(t, acct, "DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_DISABLED", k, now.Add(-time.Minute), now.AddDate(5, 0, 0), nil)
		sub := b.subscription(t, acct)
		requireUntil(t, sub, client.SubscriptionTierPro, expires)
		require.False(t, sub.AutoRenew, "switched off")
		b.notify(t, acct, "DID_CHANGE_RENEWAL_STATUS", "AUTO_RENEW_ENABLED", k, now, now.AddDate(5, 0, 0), nil)
		sub = b.subscription(t, acct)
		requireUntil(t, sub, client.SubscriptionTierPro, expires)
		require.True(t, sub.AutoRenew, "switched on again")
	})

	t.Run("TheSameNotificationTwiceChangesNothing", func(t *testing.T) {
		t.Parallel()
		acct, k := b.inst.Register(t), key()
		b.buy(t, acct, k, now.Add(-time.Hour), now.Add(time.Hour))
		renewed := now.AddDate(0, 1, 0)
		tx := appletest.Transaction(k, b.subscription(t, acct).AppAccountID.String(), now, renewed)
		id := uuid.NewString()
		payload := b.ca.Sign(t, appletest.Notification("DID_RENEW", "", id, now, b.ca.Sign(t, tx)))
		b.send(t, payload)
		b.waitApplied(t, id)
		b.send(t, payload)
		var events, jobs int
		apptest.DBQueryRow(t, b.inst, `SELECT (SELECT count(*) FROM store_events WHERE event_id = $1),
			(SELECT count(*) FROM river_job WHERE kind = 'store_event' AND args->>'event_id' = $1)`, []any{id}, &events, &jobs)
		require.Equal(t, 1, events, "one event row")
		require.Equal(t, 1, jobs, "one job, so one application")
		requireUntil(t, b.subscription(t, acct), client.SubscriptionTierPro, renewed)
	})

	t.Run("AnOlderNotificationAfterANewerOneChangesNothing", func(t *testing.T) {
		t.Parallel()
		acct, k := b.inst.Register(t), key()
		b.buy(t, acct, k, now.Add(-time.Hour), now.Add(time.Hour))
		renewed := now.AddDate(0, 2, 0)
		b.notify(t, acct, "DID_RENEW", "", k, now, renewed, nil)
		// Signed before the renewal, delivered after it.
		id := b.notify(t, acct, "EXPIRED", "VOLUNTARY", k, now.Add(-time.Minute), now.Add(-time.Minute), nil)
		requireUntil(t, b.subscription(t, acct), client.SubscriptionTierPro, renewed)
		var outcome string
		apptest.DBQueryRow(t, b.inst, `SELECT outcome FROM store_events WHERE event_id = $1`, []any{id}, &outcome)
		require.Equal(t, "stale", outcome)
	})

	t.Run("AnOperatorsGrantWithoutEndIsKept", func(t *testing.T) {
		t.Parallel()
		acct := b.inst.Register(t)
		apptest.DBExec(t, b.inst, `INSERT INTO subscriptions (user_id, tier, source) VALUES ($1, 'pro', 'admin')`, acct.ID)
		sub := b.buy(t, acct, key(), now.Add(-time.Minute), now.AddDate(0, 1, 0))
		require.Equal(t, client.SubscriptionSourceAdmin, sub.Source)
		require.True(t, sub.EntitledUntil.Null, "the grant has no end: %+v", sub.EntitledUntil)
	})
}

func TestAppleNotConfigured(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	acct := inst.Register(t)
	req := apptest.Post("/subscription/apple", map[string]any{"signed_transaction": "a.b.c"})
	req.Token = acct.Token
	apptest.RequireAPIError(t, inst.Do(t, req), http.StatusServiceUnavailable, "store_not_configured", "")
	apptest.RequireAPIError(t, inst.Do(t, apptest.Post("/webhooks/apple", map[string]any{"signedPayload": "a.b.c"})),
		http.StatusServiceUnavailable, "store_not_configured", "")
}

func TestApplePurchaseCostsOneRoundTrip(t *testing.T) {
	t.Parallel()
	b := appleSetup(t) // an instance of its own: the statement counter counts the whole process
	acct := b.inst.Register(t)
	now := time.Now().UTC().Truncate(time.Second)
	token := b.subscription(t, acct).AppAccountID.String()
	jws := b.ca.Sign(t, appletest.Transaction(key(), token, now, now.AddDate(0, 1, 0)))
	apptest.Warm(t, b.inst, acct.Token)
	before := b.inst.Stmts.Snapshot()
	r := b.purchase(t, acct, jws)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, int64(1), b.inst.Stmts.RoundTrips(before),
		"the purchase is applied and the subscription read back in one round trip")
	var sub client.Subscription
	r.JSON(t, &sub)
	require.Equal(t, client.SubscriptionTierPro, sub.Tier, "the answer shows the purchase just applied")
}
