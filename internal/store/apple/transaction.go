package apple

import (
	"fmt"
	"time"
)

// Transaction is the part of Apple's JWSTransactionDecodedPayload that Homekeep uses: one purchase or
// renewal of a product, as StoreKit 2 hands it to the app and as a notification carries it.
type Transaction struct {
	// TransactionID identifies this purchase or renewal.
	TransactionID string
	// OriginalTransactionID identifies the subscription across its renewals: the key to store an
	// entitlement under.
	OriginalTransactionID string
	// WebOrderLineItemID identifies a subscription purchase event across devices.
	WebOrderLineItemID string
	// BundleID is the app's bundle identifier (checked against Options.BundleID).
	BundleID string
	// ProductID is the in-app product bought.
	ProductID string
	// SubscriptionGroupIdentifier is the subscription group the product belongs to.
	SubscriptionGroupIdentifier string
	// AppAccountToken is the UUID the app passed at purchase (Homekeep passes one tied to the household),
	// as Apple writes it; empty when the app passed none.
	AppAccountToken string
	// Type is the product type: "Auto-Renewable Subscription", "Non-Renewing Subscription",
	// "Non-Consumable" or "Consumable".
	Type string
	// InAppOwnershipType is "PURCHASED" or "FAMILY_SHARED" (a family member's purchase shared with this
	// user).
	InAppOwnershipType string
	// TransactionReason is "PURCHASE" or "RENEWAL".
	TransactionReason string
	// Environment is where the purchase happened (checked against the Options).
	Environment Environment
	// Storefront is the App Store country code (ISO 3166-1 alpha-3).
	Storefront string
	// Quantity is the number of units bought.
	Quantity int
	// OfferType is the kind of offer redeemed (1 introductory, 2 promotional, 3 offer code, 4 win-back),
	// zero when none.
	OfferType int
	// OfferIdentifier names the promotional offer or offer code redeemed.
	OfferIdentifier string
	// IsUpgraded is true when the user upgraded to another subscription; this transaction then no longer
	// grants access.
	IsUpgraded bool
	// Currency and Price (in milliunits of the currency) are what the user paid, when Apple says.
	Currency string
	Price    int64
	// PurchaseDate is when the App Store charged the user for this transaction (a renewal's start).
	PurchaseDate time.Time
	// OriginalPurchaseDate is the purchase date of the original transaction.
	OriginalPurchaseDate time.Time
	// ExpiresDate is when this subscription period ends; nil for products that do not expire.
	ExpiresDate *time.Time
	// RevocationDate is when Apple refunded or revoked the transaction (family sharing ended); nil while
	// it stands.
	RevocationDate *time.Time
	// RevocationReason is why it was revoked (0 another reason, 1 an issue in the app); nil while it
	// stands.
	RevocationReason *int
	// SignedDate is when Apple signed this payload; the chain was checked at this time.
	SignedDate time.Time
}

// transactionWire is JWSTransactionDecodedPayload as Apple encodes it: dates in milliseconds since the
// epoch, optional ones absent.
type transactionWire struct {
	TransactionID               string      `json:"transactionId"`
	OriginalTransactionID       string      `json:"originalTransactionId"`
	WebOrderLineItemID          string      `json:"webOrderLineItemId"`
	BundleID                    string      `json:"bundleId"`
	ProductID                   string      `json:"productId"`
	SubscriptionGroupIdentifier string      `json:"subscriptionGroupIdentifier"`
	AppAccountToken             string      `json:"appAccountToken"`
	Type                        string      `json:"type"`
	InAppOwnershipType          string      `json:"inAppOwnershipType"`
	TransactionReason           string      `json:"transactionReason"`
	Environment                 Environment `json:"environment"`
	Storefront                  string      `json:"storefront"`
	Quantity                    int         `json:"quantity"`
	OfferType                   int         `json:"offerType"`
	OfferIdentifier             string      `json:"offerIdentifier"`
	IsUpgraded                  bool        `json:"isUpgraded"`
	Currency                    string      `json:"currency"`
	Price                       int64       `json:"price"`
	PurchaseDate                int64       `json:"purchaseDate"`
	OriginalPurchaseDate        int64       `json:"originalPurchaseDate"`
	ExpiresDate                 *int64      `json:"expiresDate"`
	RevocationDate              *int64      `json:"revocationDate"`
	RevocationReason            *int        `json:"revocationReason"`
	SignedDate                  int64       `json:"signedDate"`
}

// VerifyTransaction checks a StoreKit 2 signed transaction (Transaction.jwsRepresentation, or
// signedTransactionInfo from the App Store Server API) and returns what it says. The error wraps the
// sentinel of the first check that failed (ErrMalformed, ErrAlgorithm, ErrChain, ErrMarker, ErrSignature,
// ErrBundle, ErrEnvironment) and never repeats the token.
func (v *Verifier) VerifyTransaction(jws string) (*Transaction, error) {
	tx, err := v.verifyTransaction(jws)
	if err != nil {
		return nil, fmt.Errorf("error verifying an App Store signed transaction: %w", err)
	}
	return tx, nil
}

// verifyTransaction is VerifyTransaction without the error's context, which differs for a transaction
// nested in a notification.
func (v *Verifier) verifyTransaction(jws string) (*Transaction, error) {
	var w transactionWire
	if err := v.verifyJWS(jws, &w); err != nil {
		return nil, err
	}
	if err := v.checkBundle(w.BundleID); err != nil {
		return nil, err
	}
	if err := v.checkEnvironment(w.Environment); err != nil {
		return nil, err
	}
	return &Transaction{
		TransactionID:               w.TransactionID,
		OriginalTransactionID:       w.OriginalTransactionID,
		WebOrderLineItemID:          w.WebOrderLineItemID,
		BundleID:                    w.BundleID,
		ProductID:                   w.ProductID,
		SubscriptionGroupIdentifier: w.SubscriptionGroupIdentifier,
		AppAccountToken:             w.AppAccountToken,
		Type:                        w.Type,
		InAppOwnershipType:          w.InAppOwnershipType,
		TransactionReason:           w.TransactionReason,
		Environment:                 w.Environment,
		Storefront:                  w.Storefront,
		Quantity:                    w.Quantity,
		OfferType:                   w.OfferType,
		OfferIdentifier:             w.OfferIdentifier,
		IsUpgraded:                  w.IsUpgraded,
		Currency:                    w.Currency,
		Price:                       w.Price,
		PurchaseDate:                fromMillis(w.PurchaseDate),
		OriginalPurchaseDate:        fromMillis(w.OriginalPurchaseDate),
		ExpiresDate:                 fromOptionalMillis(w.ExpiresDate),
		RevocationDate:              fromOptionalMillis(w.RevocationDate),
		RevocationReason:            w.RevocationReason,
		SignedDate:                  fromMillis(w.SignedDate),
	}, nil
}

// fromMillis converts Apple's milliseconds since the epoch; zero (absent) is the zero time.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// fromOptionalMillis converts an optional date; absent or zero is nil.
func fromOptionalMillis(ms *int64) *time.Time {
	if ms == nil || *ms == 0 {
		return nil
	}
	t := time.UnixMilli(*ms).UTC()
	return &t
}
