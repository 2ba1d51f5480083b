package api_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/store/apple/appletest"
	"github.com/homekeep/homekeep/internal/store/google/googletest"
)

// appleCA signs the App Store tokens of this package's tests; the instances that take them trust it
// (withApple).
var (
	appleCAOnce sync.Once
	appleCA     *appletest.CA
)

// testAppleCA returns the package's App Store test CA, made on first use.
func testAppleCA(t *testing.T) *appletest.CA {
	t.Helper()
	appleCAOnce.Do(func() { appleCA = appletest.New(t) })
	return appleCA
}

// withApple turns App Store purchases on for appletest's bundle id.
func withApple(c *config.Config) {
	c.Apple = config.Apple{BundleID: appletest.BundleID, AllowSandbox: true}
}

// appleTokens signs, with the package's test CA, a transaction of a new subscription bound to acct's
// app_account_id and a DID_RENEW notification about another subscription no account has.
func appleTokens(t *testing.T, inst *apptest.Instance, acct apptest.Account) (transaction, notification string) {
	t.Helper()
	ca := testAppleCA(t)
	sub := apptest.Expect[client.Subscription](t, inst,
		apptest.Request{Method: http.MethodGet, Path: "/subscription", Token: acct.Token}, http.StatusOK)
	now := time.Now()
	transaction = ca.Sign(t, appletest.Transaction(uuid.NewString(), sub.AppAccountID.String(), now, now.AddDate(0, 1, 0)))
	other := ca.Sign(t, appletest.Transaction(uuid.NewString(), uuid.NewString(), now, now.AddDate(0, 1, 0)))
	notification = ca.Sign(t, appletest.Notification("DID_RENEW", "", uuid.NewString(), now, other))
	return transaction, notification
}

// googleSecret is the push secret path segment of this package's instances that take Google Play
// purchases: the walks send no Authorization header, so those instances authenticate pushes by path.
const googleSecret = "api-tests-secret-0123456789abcdef"

// googleServers holds each instance's fake Google (startGoogle).
var googleServers sync.Map // *apptest.Instance -> *googletest.Server

// startGoogle runs a fake Google for an instance about to start, and returns it with the options that
// point the instance at it (push authentication by googleSecret). register records it for inst.
func startGoogle(t *testing.T) (g *googletest.Server, configure func(*config.Config), register func(*apptest.Instance)) {
	t.Helper()
	g = googletest.Start(t)
	configure = func(c *config.Config) {
		g.Configure(c)
		c.Google.PubSubAudience, c.Google.PubSubEmail, c.Google.PubSubSecret = "", "", googleSecret
	}
	return g, configure, func(inst *apptest.Instance) { googleServers.Store(inst, g) }
}

// googleTokens makes a purchase token the fake Google of inst knows as an active purchase bound to acct's
// app_account_id, and a push of a test notification.
func googleTokens(t *testing.T, inst *apptest.Instance, acct apptest.Account) (purchaseToken string, push map[string]any) {
	t.Helper()
	v, ok := googleServers.Load(inst)
	if !ok {
		t.Fatal("the instance has no fake Google (startGoogle)")
	}
	g, _ := v.(*googletest.Server)
	sub := apptest.Expect[client.Subscription](t, inst,
		apptest.Request{Method: http.MethodGet, Path: "/subscription", Token: acct.Token}, http.StatusOK)
	purchaseToken = "api-test-" + uuid.NewString()
	g.Set(purchaseToken, googletest.Purchase{State: "SUBSCRIPTION_STATE_ACTIVE", ProductID: "homekeep_pro",
		Expiry: time.Now().AddDate(0, 1, 0), AutoRenew: true, AccountID: sub.AppAccountID.String(), Acknowledged: true})
	return purchaseToken, googletest.Push(uuid.NewString(), googletest.TestNotification(time.Now()))
}
