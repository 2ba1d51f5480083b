package apple

import "time"

// The values of RenewalInfo.AutoRenewStatus.
const (
	AutoRenewOff = 0
	AutoRenewOn  = 1
)

// RenewalInfo is the part of Apple's JWSRenewalInfoDecodedPayload that Homekeep uses: what happens at the
// end of the current period of a subscription.
type RenewalInfo struct {
	// OriginalTransactionID identifies the subscription, as in Transaction.
	OriginalTransactionID string
	// ProductID is the product of the current period.
	ProductID string
	// AutoRenewProductID is the product the subscription renews into.
	AutoRenewProductID string
	// AutoRenewStatus is AutoRenewOn when the subscription renews at the period's end, AutoRenewOff when
	// the user turned renewal off.
	AutoRenewStatus int
	// ExpirationIntent says why the subscription expired (1 the user cancelled, 2 a billing error, 3 the
	// user refused a price increase, 4 the product was unavailable, 5 another reason); zero while it has
	// not.
	ExpirationIntent int
	// IsInBillingRetryPeriod is true while Apple keeps trying to charge for a renewal.
	IsInBillingRetryPeriod bool
	// GracePeriodExpiresDate is when the billing grace period ends (access continues until then); nil
	// outside one.
	GracePeriodExpiresDate *time.Time
	// RenewalDate is when the subscription renews or expires.
	RenewalDate *time.Time
	// RecentSubscriptionStartDate is the start of the latest run of uninterrupted paid periods.
	RecentSubscriptionStartDate *time.Time
	// OfferType and OfferIdentifier describe an offer that applies at the next renewal.
	OfferType       int
	OfferIdentifier string
	// AppAccountToken is the UUID the app passed at purchase, when Apple includes it.
	AppAccountToken string
	// Environment is where the subscription lives.
	Environment Environment
	// SignedDate is when Apple signed this payload; the chain was checked at this time.
	SignedDate time.Time
}

// renewalWire is JWSRenewalInfoDecodedPayload as Apple encodes it.
type renewalWire struct {
	OriginalTransactionID       string      `json:"originalTransactionId"`
	ProductID                   string      `json:"productId"`
	AutoRenewProductID          string      `json:"autoRenewProductId"`
	AutoRenewStatus             int         `json:"autoRenewStatus"`
	ExpirationIntent            int         `json:"expirationIntent"`
	IsInBillingRetryPeriod      bool        `json:"isInBillingRetryPeriod"`
	GracePeriodExpiresDate      *int64      `json:"gracePeriodExpiresDate"`
	RenewalDate                 *int64      `json:"renewalDate"`
	RecentSubscriptionStartDate *int64      `json:"recentSubscriptionStartDate"`
	OfferType                   int         `json:"offerType"`
	OfferIdentifier             string      `json:"offerIdentifier"`
	AppAccountToken             string      `json:"appAccountToken"`
	Environment                 Environment `json:"environment"`
	SignedDate                  int64       `json:"signedDate"`
}

// verifyRenewal checks a signedRenewalInfo. Renewal info names no bundle id; it is trusted as part of the
// notification whose bundle id was checked and whose signature covers it.
func (v *Verifier) verifyRenewal(jws string) (*RenewalInfo, error) {
	var w renewalWire
	if err := v.verifyJWS(jws, &w); err != nil {
		return nil, err
	}
	if err := v.checkEnvironment(w.Environment); err != nil {
		return nil, err
	}
	return &RenewalInfo{
		OriginalTransactionID:       w.OriginalTransactionID,
		ProductID:                   w.ProductID,
		AutoRenewProductID:          w.AutoRenewProductID,
		AutoRenewStatus:             w.AutoRenewStatus,
		ExpirationIntent:            w.ExpirationIntent,
		IsInBillingRetryPeriod:      w.IsInBillingRetryPeriod,
		GracePeriodExpiresDate:      fromOptionalMillis(w.GracePeriodExpiresDate),
		RenewalDate:                 fromOptionalMillis(w.RenewalDate),
		RecentSubscriptionStartDate: fromOptionalMillis(w.RecentSubscriptionStartDate),
		OfferType:                   w.OfferType,
		OfferIdentifier:             w.OfferIdentifier,
		AppAccountToken:             w.AppAccountToken,
		Environment:                 w.Environment,
		SignedDate:                  fromMillis(w.SignedDate),
	}, nil
}
