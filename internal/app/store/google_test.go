package store_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/store/google/googletest"
	"github.com/homekeep/homekeep/internal/testwait"
)

// googleBundle is a running instance that takes Google Play purchases from the fake Google g, with workers,
// so that notifications and acknowledgements are worked by their jobs.
type googleBundle struct {
	inst *apptest.Instance
	g    *googletest.Server
}

func googleSetup(t *testing.T) *googleBundle {
	t.Helper()
	g := googletest.Start(t)
	inst := apptest.Start(t, apptest.Options{Google: g.Endpoints(), Configure: func(c *config.Config) {
		g.Configure(c)
		c.Workers = true
	}})
	return &googleBundle{inst: inst, g: g}
}

// subscription is the account's GET /subscription.
func (b *googleBundle) subscription(t *testing.T, acct apptest.Account) client.Subscription {
	t.Helper()
	return apptest.Expect[client.Subscription](t, b.inst,
		apptest.Request{Method: http.MethodGet, Path: "/subscription", Token: acct.Token}, http.StatusOK)
}

// purchase posts a purchase token as acct.
func (b *googleBundle) purchase(t *testing.T, acct apptest.Account, token string) apptest.Response {
	t.Helper()
	req := apptest.Post("/subscription/google", map[string]any{"product_id": "homekeep_pro", "purchase_token": token})
	req.Token = acct.Token
	return b.inst.Do(t, req)
}

// active is an active, renewing purchase of acct's until expires, not acknowledged yet.
func (b *googleBundle) active(t *testing.T, acct apptest.Account, expires time.Time) googletest.Purchase {
	t.Helper()
	return googletest.Purchase{State: "SUBSCRIPTION_STATE_ACTIVE", ProductID: "homekeep_pro", Expiry: expires,
		AutoRenew: true, AccountID: b.subscription(t, acct).AppAccountID.String()}
}

// buy has acct buy purchase token until expires and returns the answer.
func (b *googleBundle) buy(t *testing.T, acct apptest.Account, token string, expires time.Time) client.Subscription {
	t.Helper()
	b.g.Set(token, b.active(t, acct, expires))
	r := b.purchase(t, acct, token)
	require.Equal(t, http.StatusOK, r.Status, "the purchase: %s", r.Body)
	var sub client.Subscription
	r.JSON(t, &sub)
	return sub
}

// send pushes notification under messageID with a valid push token and requires 204.
func (b *googleBundle) send(t *testing.T, messageID string, notification map[string]any) {
	t.Helper()
	r := b.push(t, b.g.PushToken(t, nil), googletest.Push(messageID, notification))
	require.Equal(t, http.StatusNoContent, r.Status, "the push: %s", r.Body)
}

// push posts body to the webhook with the bearer token.
func (b *googleBundle) push(t *testing.T, token string, body map[string]any) apptest.Response {
	t.Helper()
	req := apptest.Post("/webhooks/google/push", body)
	req.Header = http.Header{"Authorization": {"Bearer " + token}}
	return b.inst.Do(t, req)
}

// notify pushes notification under a new message id and waits until its job applied it; it returns the
// event's outcome.
func (b *googleBundle) notify(t *testing.T, notification map[string]any) string {
	t.Helper()
	id := uuid.NewString()
	b.send(t, id, notification)
	return b.waitApplied(t, id)
}

// waitApplied waits until the job applied message id and returns its outcome.
func (b *googleBundle) waitApplied(t *testing.T, id string) string {
	t.Helper()
	var outcome string
	testwait.Until(t, 20*time.Second, func() bool {
		var applied bool
		var o *string
		apptest.DBQueryRow(t, b.inst, `SELECT applied_at IS NOT NULL, outcome FROM store_events WHERE store = 'google' AND event_id = $1`,
			[]any{id}, &applied, &o)
		if o != nil {
			outcome = *o
		}
		return applied
	}, "notification %s applied", id)
	return outcome
}

// playToken is a fresh purchase token.
func playToken() string { return fmt.Sprintf("play-token-%s.AO-J1Ox", uuid.NewString()) }

// requireGoogleUntil checks sub is tier from the store until want (to the second).
func requireGoogleUntil(t *testing.T, sub client.Subscription, tier client.SubscriptionTier, want time.Time) {
	t.Helper()
	requireUntil(t, sub, tier, want.Truncate(time.Second))
}

func TestGooglePurchases(t *testing.T) {
	t.Parallel()
	b := googleSetup(t)
	now := time.Now().UTC().Truncate(time.Second)

	t.Run("PurchaseUnlocksPro", func(t *testing.T) {
		t.Parallel()
		acct := b.inst.Register(t)
		expires := now.AddDate(0, 1, 0)
		sub := b.buy(t, acct, playToken(), expires)
		requireGoogleUntil(t, sub, client.SubscriptionTierPro, expires)
		require.True(t, sub.AutoRenew)
		requireGoogleUntil(t, b.subscription(t, acct), client.SubscriptionTierPro, expires)
	})

	t.Run("APurchaseBoundToAnotherAccountIsRefused", func(t *testing.T) {
		t.Parallel()
		buyer, other := b.inst.Register(t), b.inst.Register(t)
		token := playToken()
		b.g.Set(token, b.active(t, other, now.AddDate(0, 1, 0)))
		apptest.RequireAPIError(t, b.purchase(t, buyer, token), http.StatusConflict, "purchase_taken", "")
		// Bought without any account's id.
		lost := playToken()
		p := b.active(t, buyer, now.AddDate(0, 1, 0))
		p.AccountID = uuid.NewString()
		b.g.Set(lost, p)
		apptest.RequireAPIError(t, b.purchase(t, buyer, lost), http.StatusBadRequest, "validation_failed", "purchase_token")
		require.Equal(t, client.SubscriptionTierFree, b.subscription(t, buyer).Tier)
		require.Equal(t, client.SubscriptionTierFree, b.subscription(t, other).Tier)
	})

	t.Run("AnUnknownTokenIsRefused", func(t *testing.T) {
		t.Parallel()
		acct := b.inst.Register(t)
		apptest.RequireAPIError(t, b.purchase(t, acct, playToken()), http.StatusBadRequest, "validation_failed", "purchase_token")
		require.Equal(t, client.SubscriptionTierFree, b.subscription(t, acct).Tier)
	})

	t.Run("GoogleUnreachableIsUnavailable", func(t *testing.T) {
		t.Parallel()
		acct, token := b.inst.Register(t), playToken()
		p := b.active(t, acct, now.AddDate(0, 1, 0))
		p.Status = http.StatusServiceUnavailable
		b.g.Set(token, p)
		r := b.purchase(t, acct, token)
		apptest.RequireAPIError(t, r, http.StatusServiceUnavailable, "unavailable", "")
		require.NotEmpty(t, r.Header.Get("Retry-After"))
		require.Equal(t, client.SubscriptionTierFree, b.subscription(t, acct).Tier)
	})

	t.Run("ThePurchaseKeyIsTheTokensHash", func(t *testing.T) {
		t.Parallel()
		acct, token := b.inst.Register(t), playToken()
		b.buy(t, acct, token, now.AddDate(0, 1, 0))
		var keys int
		apptest.DBQueryRow(t, b.inst, `SELECT count(*) FROM store_purchases WHERE store = 'google' AND user_id = $1
			AND purchase_key = encode(sha256(convert_to($2, 'UTF8')), 'hex')`, []any{acct.ID, token}, &keys)
		require.Equal(t, 1, keys, "stored under the SHA-256 of the token, never the token")
	})

	t.Run("ALinkedPurchaseSupersedesTheOldOne", func(t *testing.T) {
		t.Parallel()
		acct, old, upgraded := b.inst.Register(t), playToken(), playToken()
		b.buy(t, acct, old, now.AddDate(0, 6, 0))
		p := b.active(t, acct, now.AddDate(0, 1, 0))
		p.LinkedToken = old
		b.g.Set(upgraded, p)
		r := b.purchase(t, acct, upgraded)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		// The old purchase ran until six months from now; it no longer grants, the new one's month does.
		requireGoogleUntil(t, b.subscription(t, acct), client.SubscriptionTierPro, now.AddDate(0, 1, 0))
		var granting int
		apptest.DBQueryRow(t, b.inst, `SELECT count(*) FROM store_purchases WHERE user_id = $1 AND entitled_until > now()`,
			[]any{acct.ID}, &granting)
		require.Equal(t, 1, granting, "only the new purchase grants")
	})

	t.Run("TheAcknowledgementJobAcknowledgesOnce", func(t *testing.T) {
		t.Parallel()
		acct, token := b.inst.Register(t), playToken()
		b.buy(t, acct, token, now.AddDate(0, 1, 0))
		// Posted again (a restore): the purchase moves forward and queues another job, which finds it acknowledged.
		r := b.purchase(t, acct, token)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		testwait.Until(t, 20*time.Second, func() bool {
			var pending int
			apptest.DBQueryRow(t, b.inst, `SELECT count(*) FROM river_job WHERE kind = 'google_acknowledge'
				AND args->>'purchase_token' = $1 AND state <> 'completed'`, []any{token}, &pending)
			return pending == 0 && len(b.g.Acknowledgements(token)) > 0
		}, "acknowledged")
		require.Equal(t, []string{"homekeep_pro"}, b.g.Acknowledgements(token))
	})

	t.Run("ARenewalExtends", func(t *testing.T) {
		t.Parallel()
		acct, token := b.inst.Register(t), playToken()
		b.buy(t, acct, token, now.Add(time.Hour))
		renewed := now.AddDate(0, 1, 0)
		b.g.Set(token, b.active(t, acct, renewed))
		require.Equal(t, "applied", b.notify(t, googletest.SubscriptionNotification(2, token, time.Now())))
		requireGoogleUntil(t, b.subscription(t, acct), client.SubscriptionTierPro, renewed)
	})

	t.Run("ACancellationKeepsAccessUntilExpiry", func(t *testing.T) {
		t.Parallel()
		acct, token := b.inst.Register(t), playToken()
		expires := now.AddDate(0, 0, 10)
		b.buy(t, acct, token, expires)
		p := b.active(t, acct, expires)
		p.State, p.AutoRenew = "SUBSCRIPTION_STATE_CANCELED", false
		b.g.Set(token, p)
		require.Equal(t, "applied", b.notify(t, googletest.SubscriptionNotification(3, token, time.Now())))
		sub := b.subscription(t, acct)
		requireGoogleUntil(t, sub, client.SubscriptionTierPro, expires)
		require.False(t, sub.AutoRenew)
	})

	t.Run("AnExpiryEndsAccess", func(t *testing.T) {
		t.Parallel()
		acct, token := b.inst.Register(t), playToken()
		b.buy(t, acct, token, now.Add(time.Hour))
		ended := now.Add(-time.Minute)
		p := b.active(t, acct, ended)
		p.State, p.AutoRenew = "SUBSCRIPTION_STATE_EXPIRED", false
		b.g.Set(token, p)
		require.Equal(t, "applied", b.notify(t, googletest.SubscriptionNotification(13, token, time.Now())))
		requireGoogleUntil(t, b.subscription(t, acct), client.SubscriptionTierFree, ended)
	})

	t.Run("AVoidedPurchaseEndsAtOnce", func(t *testing.T) {
		t.Parallel()
		acct, token := b.inst.Register(t), playToken()
		b.buy(t, acct, token, now.AddDate(0, 1, 0))
		voided := time.Now().UTC()
		require.Equal(t, "applied", b.notify(t, googletest.VoidedNotification(token, voided)))
		sub := b.subscription(t, acct)
		require.Equal(t, client.SubscriptionTierFree, sub.Tier)
		got, ok := sub.EntitledUntil.Get()
		require.True(t, ok)
		require.WithinDuration(t, voided, got, time.Second)
	})

	t.Run("TheSameMessageTwiceChangesNothing", func(t *testing.T) {
		t.Parallel()
		acct, token := b.inst.Register(t), playToken()
		b.buy(t, acct, token, now.Add(time.Hour))
		renewed := now.AddDate(0, 1, 0)
		b.g.Set(token, b.active(t, acct, renewed))
		id, n := uuid.NewString(), googletest.SubscriptionNotification(2, token, time.Now())
		b.send(t, id, n)
		b.waitApplied(t, id)
		b.send(t, id, n)
		var events, jobs int
		apptest.DBQueryRow(t, b.inst, `SELECT (SELECT count(*) FROM store_events WHERE store = 'google' AND event_id = $1),
			(SELECT count(*) FROM river_job WHERE kind = 'store_event' AND args->>'event_id' = $1)`, []any{id}, &events, &jobs)
		require.Equal(t, 1, events, "one event row")
		require.Equal(t, 1, jobs, "one job, so one application")
		requireGoogleUntil(t, b.subscription(t, acct), client.SubscriptionTierPro, renewed)
	})

	t.Run("AnOlderNotificationAfterANewerOneChangesNothing", func(t *testing.T) {
		t.Parallel()
		acct, token := b.inst.Register(t), playToken()
		b.buy(t, acct, token, now.Add(time.Hour))
		renewed := now.AddDate(0, 2, 0)
		b.g.Set(token, b.active(t, acct, renewed))
		at := time.Now()
		require.Equal(t, "applied", b.notify(t, googletest.SubscriptionNotification(2, token, at)))
		// Google answers an expired state now, but the notification happened before the renewal applied.
		p := b.active(t, acct, now.Add(-time.Minute))
		p.State = "SUBSCRIPTION_STATE_EXPIRED"
		b.g.Set(token, p)
		require.Equal(t, "stale", b.notify(t, googletest.SubscriptionNotification(13, token, at.Add(-time.Second))))
		requireGoogleUntil(t, b.subscription(t, acct), client.SubscriptionTierPro, renewed)
	})

	t.Run("ATestNotificationIsIgnored", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, "ignored", b.notify(t, googletest.TestNotification(time.Now())))
	})

	t.Run("AnUnauthenticatedPushIsRefused", func(t *testing.T) {
		t.Parallel()
		acct, token := b.inst.Register(t), playToken()
		b.buy(t, acct, token, now.Add(time.Hour))
		for name, bearer := range map[string]string{
			"WrongAudience": b.g.PushToken(t, func(c jwt.MapClaims) { c["aud"] = "https://elsewhere.example.com/push" }),
			"WrongAccount":  b.g.PushToken(t, func(c jwt.MapClaims) { c["email"] = "someone@example.com" }),
			"Expired":       b.g.PushToken(t, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }),
			"NotAJWT":       "not-a-token",
		} {
			id := uuid.NewString()
			r := b.push(t, bearer, googletest.Push(id, googletest.VoidedNotification(token, time.Now())))
			apptest.RequireAPIError(t, r, http.StatusForbidden, "push_refused", "")
			var events int
			apptest.DBQueryRow(t, b.inst, `SELECT count(*) FROM store_events WHERE event_id = $1`, []any{id}, &events)
			require.Equal(t, 0, events, "%s: nothing recorded", name)
		}
		require.Equal(t, client.SubscriptionTierPro, b.subscription(t, acct).Tier)
	})

	t.Run("AMalformedPushIsRefused", func(t *testing.T) {
		t.Parallel()
		r := b.push(t, b.g.PushToken(t, nil), map[string]any{"message": map[string]any{"data": "!!", "messageId": "1"}})
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "message")
	})
}

func TestGooglePushBySecretPath(t *testing.T) {
	t.Parallel()
	g := googletest.Start(t)
	secret := "0123456789abcdef0123456789abcdef-secret"
	inst := apptest.Start(t, apptest.Options{Google: g.Endpoints(), Configure: func(c *config.Config) {
		g.Configure(c)
		c.Google.PubSubAudience, c.Google.PubSubEmail, c.Google.PubSubSecret = "", "", secret
	}})
	body := googletest.Push(uuid.NewString(), googletest.TestNotification(time.Now()))
	apptest.RequireAPIError(t, inst.Do(t, apptest.Post("/webhooks/google/"+secret[:len(secret)-1]+"X", body)),
		http.StatusForbidden, "push_refused", "")
	r := inst.Do(t, apptest.Post("/webhooks/google/"+secret, body))
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
}

func TestGoogleNotConfigured(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	acct := inst.Register(t)
	req := apptest.Post("/subscription/google", map[string]any{"product_id": "homekeep_pro", "purchase_token": "t"})
	req.Token = acct.Token
	apptest.RequireAPIError(t, inst.Do(t, req), http.StatusServiceUnavailable, "store_not_configured", "")
	apptest.RequireAPIError(t, inst.Do(t, apptest.Post("/webhooks/google/push",
		googletest.Push("1", googletest.TestNotification(time.Now())))), http.StatusServiceUnavailable, "store_not_configured", "")
}

func TestGooglePurchaseCostsOneRoundTripAfterGoogle(t *testing.T) {
	t.Parallel()
	b := googleSetup(t) // an instance of its own: the statement counter counts the whole process
	acct, token := b.inst.Register(t), playToken()
	b.g.Set(token, b.active(t, acct, time.Now().AddDate(0, 1, 0)))
	apptest.Warm(t, b.inst, acct.Token)
	before := b.inst.Stmts.Snapshot()
	r := b.purchase(t, acct, token)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, int64(1), b.inst.Stmts.RoundTrips(before),
		"the purchase is applied, its acknowledgement queued and the subscription read back in one round trip")
	var sub client.Subscription
	r.JSON(t, &sub)
	require.Equal(t, client.SubscriptionTierPro, sub.Tier, "the answer shows the purchase just applied")
}

func TestGooglePushAboutAnotherAppIsDropped(t *testing.T) {
	t.Parallel()
	b := googleSetup(t)
	n := googletest.TestNotification(time.Now())
	n["packageName"] = "app.someone.else"
	id := uuid.NewString()
	b.send(t, id, n)
	var events int
	apptest.DBQueryRow(t, b.inst, `SELECT count(*) FROM store_events WHERE event_id = $1`, []any{id}, &events)
	require.Equal(t, 0, events, "not recorded: not this server's app")
}
