package apple

import "time"

// Change is what a verified notification means for the subscription it is about, for the subscription
// service to apply. Exactly one of EntitledUntil, Ended and AutoRenew is set. Apple delivers notifications
// out of order and more than once: apply a Change only when its SignedDate is newer than the last one
// applied to OriginalTransactionID.
type Change struct {
	// OriginalTransactionID identifies the subscription across renewals.
	OriginalTransactionID string
	// AppAccountToken is the UUID the app passed at purchase (tying the subscription to a household);
	// empty when Apple sent none.
	AppAccountToken string
	// ProductID is the subscribed product.
	ProductID string
	// Environment is the notification's environment: Sandbox purchases cost nothing, so the service may
	// treat them differently.
	Environment Environment
	// SignedDate is when Apple signed the notification, to order changes.
	SignedDate time.Time
	// NotificationType and Subtype are the notification's, for logs and audit.
	NotificationType string
	Subtype          string

	// EntitledUntil, when set, is the end of the access the subscription now grants: the transaction's
	// expiresDate after a purchase, renewal, redeemed offer, extension, upgrade or reversed refund; the end
	// of the billing grace period after a failed renewal with grace. It can be in the past (a late or
	// replayed notification): the service grants access only while it is in the future.
	EntitledUntil *time.Time
	// Ended says access has ended (expiry, grace period over, refund, revocation), at EndedAt.
	Ended bool
	// EndedAt is when access ended: the revocationDate for a refund or revocation, the expiresDate or the
	// grace period's end for an expiry, or the notification's SignedDate when Apple gave no date. Nil
	// unless Ended.
	EndedAt *time.Time
	// AutoRenew, when set, is the new auto-renew status (the user turned renewal on or off); access is
	// unchanged.
	AutoRenew *bool
}

// Entitlement maps a verified notification to the Change to apply, and reports false when there is
// nothing to apply:
//
//   - SUBSCRIBED, DID_RENEW, OFFER_REDEEMED, RENEWAL_EXTENDED: entitled until the transaction's
//     expiresDate;
//   - also DID_CHANGE_RENEWAL_PREF with subtype UPGRADE, which starts a new, longer-lasting period at once
//     (monthly to yearly, say) with no DID_RENEW until that period ends, and REFUND_REVERSED, which gives
//     back what a REFUND ended: entitled until the transaction's expiresDate (the list leaves these
//     two out; without them an upgraded or un-refunded subscriber loses access they paid for);
//   - DID_FAIL_TO_RENEW with subtype GRACE_PERIOD: entitled until the renewal info's
//     gracePeriodExpiresDate (without it, Apple is retrying billing and access lapses at the expiresDate
//     already stored: nothing to apply);
//   - EXPIRED, GRACE_PERIOD_EXPIRED: ended;
//   - REFUND, REVOKE: ended at the transaction's revocationDate;
//   - DID_CHANGE_RENEWAL_STATUS with AUTO_RENEW_ENABLED or AUTO_RENEW_DISABLED: auto-renew only;
//   - TEST and every other type, and a notification lacking what its type needs (the transaction, its
//     expiresDate, the grace period's end, anything naming the subscription): nothing.
//
// A REFUND can be for an earlier period's transaction than the current one; the service compares the
// transaction with the one it stored before ending access.
func Entitlement(n *Notification) (Change, bool) {
	if n == nil {
		return Change{}, false
	}
	c, ok := subject(n)
	if !ok {
		return Change{}, false
	}
	tx, renewal := n.Transaction, n.Renewal
	switch n.NotificationType {
	case NotificationSubscribed, NotificationDidRenew, NotificationOfferRedeemed, NotificationRenewalExtended,
		NotificationRefundReversed:
		if tx == nil || tx.ExpiresDate == nil {
			return Change{}, false
		}
		c.EntitledUntil = copyDate(tx.ExpiresDate)
	case NotificationDidChangeRenewalPref:
		// Without a subtype or with DOWNGRADE, the change waits for the next renewal: nothing now.
		if n.Subtype != SubtypeUpgrade || tx == nil || tx.ExpiresDate == nil || tx.IsUpgraded {
			return Change{}, false
		}
		c.EntitledUntil = copyDate(tx.ExpiresDate)
	case NotificationDidFailToRenew:
		if n.Subtype != SubtypeGracePeriod || renewal == nil || renewal.GracePeriodExpiresDate == nil {
			return Change{}, false
		}
		c.EntitledUntil = copyDate(renewal.GracePeriodExpiresDate)
	case NotificationExpired:
		var end *time.Time
		if tx != nil {
			end = tx.ExpiresDate
		}
		c.Ended, c.EndedAt = true, dateOr(end, n.SignedDate)
	case NotificationGracePeriodExpired:
		var end *time.Time
		if renewal != nil {
			end = renewal.GracePeriodExpiresDate
		}
		c.Ended, c.EndedAt = true, dateOr(end, n.SignedDate)
	case NotificationRefund, NotificationRevoke:
		var end *time.Time
		if tx != nil {
			end = tx.RevocationDate
		}
		c.Ended, c.EndedAt = true, dateOr(end, n.SignedDate)
	case NotificationDidChangeRenewalStatus:
		if n.Subtype != SubtypeAutoRenewEnabled && n.Subtype != SubtypeAutoRenewDisabled {
			return Change{}, false
		}
		on := n.Subtype == SubtypeAutoRenewEnabled
		c.AutoRenew = &on
	default:
		return Change{}, false
	}
	return c, true
}

// subject fills the fields naming the subscription, from the transaction or else the renewal info, and
// reports false when neither names one.
func subject(n *Notification) (Change, bool) {
	c := Change{
		Environment:      n.Environment,
		SignedDate:       n.SignedDate,
		NotificationType: n.NotificationType,
		Subtype:          n.Subtype,
	}
	switch {
	case n.Transaction != nil:
		c.OriginalTransactionID = n.Transaction.OriginalTransactionID
		c.AppAccountToken = n.Transaction.AppAccountToken
		c.ProductID = n.Transaction.ProductID
	case n.Renewal != nil:
		c.OriginalTransactionID = n.Renewal.OriginalTransactionID
		c.AppAccountToken = n.Renewal.AppAccountToken
		c.ProductID = n.Renewal.ProductID
	}
	if n.Renewal != nil && c.AppAccountToken == "" {
		c.AppAccountToken = n.Renewal.AppAccountToken
	}
	return c, c.OriginalTransactionID != ""
}

// copyDate returns a copy of d, so that a Change does not share a date with the notification.
func copyDate(d *time.Time) *time.Time {
	t := *d
	return &t
}

// dateOr returns a copy of d, or fallback when d is nil.
func dateOr(d *time.Time, fallback time.Time) *time.Time {
	if d != nil {
		return copyDate(d)
	}
	return &fallback
}
