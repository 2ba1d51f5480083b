package apple

import (
	"fmt"
	"time"
)

// The notification types (notificationType) and subtypes that Entitlement tells apart; Apple sends others
// too (CONSUMPTION_REQUEST, PRICE_INCREASE, REFUND_DECLINED...), which it leaves alone, as it does TEST.
const (
	NotificationSubscribed             = "SUBSCRIBED"
	NotificationDidRenew               = "DID_RENEW"
	NotificationOfferRedeemed          = "OFFER_REDEEMED"
	NotificationRenewalExtended        = "RENEWAL_EXTENDED"
	NotificationDidFailToRenew         = "DID_FAIL_TO_RENEW"
	NotificationExpired                = "EXPIRED"
	NotificationGracePeriodExpired     = "GRACE_PERIOD_EXPIRED"
	NotificationRefund                 = "REFUND"
	NotificationRevoke                 = "REVOKE"
	NotificationDidChangeRenewalStatus = "DID_CHANGE_RENEWAL_STATUS"
	NotificationDidChangeRenewalPref   = "DID_CHANGE_RENEWAL_PREF"
	NotificationRefundReversed         = "REFUND_REVERSED"
	NotificationTest                   = "TEST"
	SubtypeGracePeriod                 = "GRACE_PERIOD"
	SubtypeAutoRenewEnabled            = "AUTO_RENEW_ENABLED"
	SubtypeAutoRenewDisabled           = "AUTO_RENEW_DISABLED"
	SubtypeUpgrade                     = "UPGRADE"
)

// Notification is the part of an App Store Server Notification V2 (ResponseBodyV2DecodedPayload) that
// Homekeep uses, with its nested transaction and renewal info verified and decoded.
type Notification struct {
	// NotificationType is what happened (the Notification constants).
	NotificationType string
	// Subtype details it ("GRACE_PERIOD", "AUTO_RENEW_DISABLED"...); empty when Apple sends none.
	Subtype string
	// NotificationUUID identifies the notification; Apple resends it with the same UUID until answered
	// with a 2xx, so it deduplicates.
	NotificationUUID string
	// Version is the notification format's version ("2.0").
	Version string
	// SignedDate is when Apple signed the notification. Apple does not deliver notifications in order:
	// apply a change only when it is newer than the last one applied to the subscription.
	SignedDate time.Time
	// BundleID, BundleVersion, AppAppleID and Environment come from the notification's data (or its
	// summary, for a RENEWAL_EXTENSION summary); BundleID, Environment and, in production, AppAppleID
	// have been checked.
	BundleID      string
	BundleVersion string
	AppAppleID    int64
	Environment   Environment
	// Status is the subscription's status after the event (1 active, 2 expired, 3 billing retry, 4 billing
	// grace period, 5 revoked); zero when Apple sends none.
	Status int
	// Transaction is data.signedTransactionInfo, verified; nil when the notification has none (TEST).
	Transaction *Transaction
	// Renewal is data.signedRenewalInfo, verified; nil when the notification has none.
	Renewal *RenewalInfo
}

// notificationWire is ResponseBodyV2DecodedPayload as Apple encodes it.
type notificationWire struct {
	NotificationType string `json:"notificationType"`
	Subtype          string `json:"subtype"`
	NotificationUUID string `json:"notificationUUID"`
	Version          string `json:"version"`
	SignedDate       int64  `json:"signedDate"`
	Data             *struct {
		AppAppleID            int64       `json:"appAppleId"`
		BundleID              string      `json:"bundleId"`
		BundleVersion         string      `json:"bundleVersion"`
		Environment           Environment `json:"environment"`
		SignedTransactionInfo string      `json:"signedTransactionInfo"`
		SignedRenewalInfo     string      `json:"signedRenewalInfo"`
		Status                int         `json:"status"`
	} `json:"data"`
	Summary *struct {
		AppAppleID  int64       `json:"appAppleId"`
		BundleID    string      `json:"bundleId"`
		Environment Environment `json:"environment"`
	} `json:"summary"`
}

// VerifyNotification checks the signedPayload of an App Store Server Notification V2, then the signed
// transaction and renewal info it carries (each with every check VerifyTransaction makes, and each from
// the notification's environment), and returns what they say. The error wraps the sentinel of the first
// check that failed, names the nested token it was in, and never repeats a token.
//
// A notification that carries neither data nor summary (EXTERNAL_PURCHASE_TOKEN, which Homekeep does not
// use) names no bundle id to check, and is refused with ErrBundle.
func (v *Verifier) VerifyNotification(signedPayload string) (*Notification, error) {
	n, err := v.verifyNotification(signedPayload)
	if err != nil {
		return nil, fmt.Errorf("error verifying an App Store notification: %w", err)
	}
	return n, nil
}

// verifyNotification is VerifyNotification without the error's context.
func (v *Verifier) verifyNotification(signedPayload string) (*Notification, error) {
	var w notificationWire
	if err := v.verifyJWS(signedPayload, &w); err != nil {
		return nil, fmt.Errorf("signedPayload: %w", err)
	}
	n := &Notification{
		NotificationType: w.NotificationType,
		Subtype:          w.Subtype,
		NotificationUUID: w.NotificationUUID,
		Version:          w.Version,
		SignedDate:       fromMillis(w.SignedDate),
	}
	switch {
	case w.Data != nil:
		n.BundleID, n.BundleVersion = w.Data.BundleID, w.Data.BundleVersion
		n.AppAppleID, n.Environment, n.Status = w.Data.AppAppleID, w.Data.Environment, w.Data.Status
	case w.Summary != nil:
		n.BundleID, n.AppAppleID, n.Environment = w.Summary.BundleID, w.Summary.AppAppleID, w.Summary.Environment
	default:
		return nil, fmt.Errorf("signedPayload: %w: the notification has neither data nor summary", ErrBundle)
	}
	if err := v.checkBundle(n.BundleID); err != nil {
		return nil, fmt.Errorf("signedPayload: %w", err)
	}
	if err := v.checkEnvironment(n.Environment); err != nil {
		return nil, fmt.Errorf("signedPayload: %w", err)
	}
	if n.Environment == EnvironmentProduction && v.appAppleID != 0 && n.AppAppleID != v.appAppleID {
		return nil, fmt.Errorf("signedPayload: %w: appAppleId %d, want %d", ErrAppAppleID, n.AppAppleID, v.appAppleID)
	}
	if w.Data == nil {
		return n, nil
	}

	if w.Data.SignedTransactionInfo != "" {
		tx, err := v.verifyTransaction(w.Data.SignedTransactionInfo)
		if err != nil {
			return nil, fmt.Errorf("data.signedTransactionInfo: %w", err)
		}
		if tx.Environment != n.Environment {
			return nil, fmt.Errorf("data.signedTransactionInfo: %w: %s in a %s notification",
				ErrEnvironment, tx.Environment, n.Environment)
		}
		n.Transaction = tx
	}
	if w.Data.SignedRenewalInfo != "" {
		renewal, err := v.verifyRenewal(w.Data.SignedRenewalInfo)
		if err != nil {
			return nil, fmt.Errorf("data.signedRenewalInfo: %w", err)
		}
		if renewal.Environment != n.Environment {
			return nil, fmt.Errorf("data.signedRenewalInfo: %w: %s in a %s notification",
				ErrEnvironment, renewal.Environment, n.Environment)
		}
		n.Renewal = renewal
	}
	return n, nil
}
