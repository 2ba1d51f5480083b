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
