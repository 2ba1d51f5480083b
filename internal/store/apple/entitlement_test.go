package apple

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEntitlement(t *testing.T) {
	t.Parallel()

	var (
		signedAt = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		expires  = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
		grace    = time.Date(2026, 7, 17, 12, 0, 0, 0, time.UTC)
		revoked  = time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC)
		on, off  = true, false
	)
	// notification is a production notification about one subscription, with both nested payloads.
	notification := func(typ, subtype string) *Notification {
		expiresCopy, graceCopy, revokedCopy := expires, grace, revoked
		return &Notification{
			NotificationType: typ,
			Subtype:          subtype,
			SignedDate:       signedAt,
			Environment:      EnvironmentProduction,
			Transaction: &Transaction{
				OriginalTransactionID: "2000000000000001",
				AppAccountToken:       "7e3fb20b-4cdb-47cc-936d-99d65f608138",
				ProductID:             "homekeep.premium.monthly",
				ExpiresDate:           &expiresCopy,
				RevocationDate:        &revokedCopy,
			},
			Renewal: &RenewalInfo{
				OriginalTransactionID:  "2000000000000001",
				ProductID:              "homekeep.premium.monthly",
				GracePeriodExpiresDate: &graceCopy,
			},
		}
	}
	// change is the Change every case shares, with the part that differs filled in by edit.
	change := func(typ, subtype string, edit func(*Change)) Change {
		c := Change{
			OriginalTransactionID: "2000000000000001",
			AppAccountToken:       "7e3fb20b-4cdb-47cc-936d-99d65f608138",
			ProductID:             "homekeep.premium.monthly",
			Environment:           EnvironmentProduction,
			SignedDate:            signedAt,
			NotificationType:      typ,
			Subtype:               subtype,
		}
		edit(&c)
		return c
	}
	entitledUntil := func(d time.Time) func(*Change) { return func(c *Change) { c.EntitledUntil = &d } }
	endedAt := func(d time.Time) func(*Change) { return func(c *Change) { c.Ended, c.EndedAt = true, &d } }
	autoRenew := func(v *bool) func(*Change) { return func(c *Change) { c.AutoRenew = v } }

	for _, tt := range []struct {
		name         string
		typ, subtype string
		edit         func(n *Notification)
		want         func(*Change) // nil: nothing to apply
	}{
		{name: "SubscribedEntitlesUntilExpiry", typ: "SUBSCRIBED", subtype: "INITIAL_BUY", want: entitledUntil(expires)},
		{name: "ResubscribedEntitlesUntilExpiry", typ: "SUBSCRIBED", subtype: "RESUBSCRIBE", want: entitledUntil(expires)},
		{name: "DidRenewEntitlesUntilExpiry", typ: "DID_RENEW", want: entitledUntil(expires)},
		{name: "DidRenewAfterBillingRecoveryEntitlesUntilExpiry", typ: "DID_RENEW", subtype: "BILLING_RECOVERY", want: entitledUntil(expires)},
		{name: "OfferRedeemedEntitlesUntilExpiry", typ: "OFFER_REDEEMED", subtype: "UPGRADE", want: entitledUntil(expires)},
		{name: "RenewalExtendedEntitlesUntilExpiry", typ: "RENEWAL_EXTENDED", want: entitledUntil(expires)},
		{name: "RefundReversedEntitlesUntilExpiry", typ: "REFUND_REVERSED", want: entitledUntil(expires)},
		{name: "UpgradeEntitlesUntilTheNewExpiry", typ: "DID_CHANGE_RENEWAL_PREF", subtype: "UPGRADE", want: entitledUntil(expires)},
		{name: "DowngradeIsNothing", typ: "DID_CHANGE_RENEWAL_PREF", subtype: "DOWNGRADE"},
		{name: "CancelledDowngradeIsNothing", typ: "DID_CHANGE_RENEWAL_PREF"},
		{
			name: "UpgradeCarryingTheUpgradedTransactionIsNothing", typ: "DID_CHANGE_RENEWAL_PREF", subtype: "UPGRADE",
			edit: func(n *Notification) { n.Transaction.IsUpgraded = true },
		},
		{
			name: "RenewalWithoutExpiryIsNothing", typ: "DID_RENEW",
			edit: func(n *Notification) { n.Transaction.ExpiresDate = nil },
		},
		{
			name: "RenewalWithoutTransactionIsNothing", typ: "DID_RENEW",
			edit: func(n *Notification) { n.Transaction = nil },
		},
		{name: "FailedRenewalWithGraceEntitlesUntilGraceEnds", typ: "DID_FAIL_TO_RENEW", subtype: "GRACE_PERIOD", want: entitledUntil(grace)},
		{name: "FailedRenewalWithoutGraceIsNothing", typ: "DID_FAIL_TO_RENEW"},
		{
			name: "FailedRenewalWithGraceButNoDateIsNothing", typ: "DID_FAIL_TO_RENEW", subtype: "GRACE_PERIOD",
			edit: func(n *Notification) { n.Renewal.GracePeriodExpiresDate = nil },
		},
		{name: "ExpiredEndsAtExpiry", typ: "EXPIRED", subtype: "VOLUNTARY", want: endedAt(expires)},
		{
			name: "ExpiredWithoutExpiryEndsAtSignedDate", typ: "EXPIRED", subtype: "BILLING_RETRY",
			edit: func(n *Notification) { n.Transaction.ExpiresDate = nil },
			want: endedAt(signedAt),
		},
		{name: "GracePeriodExpiredEndsAtGraceEnd", typ: "GRACE_PERIOD_EXPIRED", want: endedAt(grace)},
		{name: "RefundEndsAtRevocation", typ: "REFUND", want: endedAt(revoked)},
		{name: "RevokeEndsAtRevocation", typ: "REVOKE", want: endedAt(revoked)},
		{
			name: "RefundWithoutRevocationDateEndsAtSignedDate", typ: "REFUND",
			edit: func(n *Notification) { n.Transaction.RevocationDate = nil },
			want: endedAt(signedAt),
		},
		{name: "AutoRenewEnabled", typ: "DID_CHANGE_RENEWAL_STATUS", subtype: "AUTO_RENEW_ENABLED", want: autoRenew(&on)},
		{name: "AutoRenewDisabled", typ: "DID_CHANGE_RENEWAL_STATUS", subtype: "AUTO_RENEW_DISABLED", want: autoRenew(&off)},
		{name: "RenewalStatusWithoutSubtypeIsNothing", typ: "DID_CHANGE_RENEWAL_STATUS"},
		{
			name: "NamesTheSubscriptionFromRenewalInfoWithoutTransaction", typ: "DID_CHANGE_RENEWAL_STATUS", subtype: "AUTO_RENEW_DISABLED",
			edit: func(n *Notification) {
				n.Transaction = nil
				n.Renewal.AppAccountToken = "7e3fb20b-4cdb-47cc-936d-99d65f608138"
			},
			want: autoRenew(&off),
		},
		{name: "TestIsNothing", typ: "TEST"},
		{name: "PriceIncreaseIsNothing", typ: "PRICE_INCREASE", subtype: "PENDING"},
		{name: "ConsumptionRequestIsNothing", typ: "CONSUMPTION_REQUEST"},
		{name: "UnknownTypeIsNothing", typ: "SOMETHING_NEW"},
		{
			name: "NothingNamesTheSubscription", typ: "EXPIRED",
			edit: func(n *Notification) { n.Transaction, n.Renewal = nil, nil },
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := notification(tt.typ, tt.subtype)
			if tt.edit != nil {
				tt.edit(n)
			}

			got, ok := Entitlement(n)

			if tt.want == nil {
				require.False(t, ok, "Entitlement(%s/%s) = %+v, want nothing to apply", tt.typ, tt.subtype, got)
				require.Equal(t, Change{}, got)
				return
			}
			require.True(t, ok, "Entitlement(%s/%s) has nothing to apply", tt.typ, tt.subtype)
			require.Equal(t, change(tt.typ, tt.subtype, tt.want), got)
		})
	}

	t.Run("NilIsNothing", func(t *testing.T) {
		t.Parallel()
		_, ok := Entitlement(nil)
		require.False(t, ok)
	})

	t.Run("DoesNotShareDatesWithTheNotification", func(t *testing.T) {
		t.Parallel()
		n := notification("DID_RENEW", "")
		got, ok := Entitlement(n)
		require.True(t, ok)
		*n.Transaction.ExpiresDate = time.Time{}
		require.Equal(t, expires, *got.EntitledUntil)
	})
}
