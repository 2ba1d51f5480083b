package google

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SubscriptionState is a SubscriptionPurchaseV2's subscriptionState, as Google spells it.
type SubscriptionState string

// The states of a subscription purchase. Google may add states; an unknown one grants nothing.
const (
	StateUnspecified             SubscriptionState = "SUBSCRIPTION_STATE_UNSPECIFIED"
	StatePending                 SubscriptionState = "SUBSCRIPTION_STATE_PENDING"
	StateActive                  SubscriptionState = "SUBSCRIPTION_STATE_ACTIVE"
	StatePaused                  SubscriptionState = "SUBSCRIPTION_STATE_PAUSED"
	StateInGracePeriod           SubscriptionState = "SUBSCRIPTION_STATE_IN_GRACE_PERIOD"
	StateOnHold                  SubscriptionState = "SUBSCRIPTION_STATE_ON_HOLD"
	StateCanceled                SubscriptionState = "SUBSCRIPTION_STATE_CANCELED"
	StateExpired                 SubscriptionState = "SUBSCRIPTION_STATE_EXPIRED"
	StatePendingPurchaseCanceled SubscriptionState = "SUBSCRIPTION_STATE_PENDING_PURCHASE_CANCELED"
)

// AcknowledgementState is a purchase's acknowledgementState. Play refunds a purchase that is not
// acknowledged within three days, so the service acknowledges every pending one it grants.
type AcknowledgementState string

// The acknowledgement states of a purchase.
const (
	AcknowledgementUnspecified  AcknowledgementState = "ACKNOWLEDGEMENT_STATE_UNSPECIFIED"
	AcknowledgementPending      AcknowledgementState = "ACKNOWLEDGEMENT_STATE_PENDING"
	AcknowledgementAcknowledged AcknowledgementState = "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED"
)

// SubscriptionV2 is the part of Google's SubscriptionPurchaseV2 that Homekeep uses.
type SubscriptionV2 struct {
	// State is where the subscription stands; Entitlement reads it.
	State SubscriptionState
	// Acknowledgement says whether the purchase still has to be acknowledged (Client.Acknowledge).
	Acknowledgement AcknowledgementState
	// LatestOrderID is the order of the latest charge ("GPA.1234-..."); a renewal changes it, so it tells a
	// renewal notification from a repeated one.
	LatestOrderID string
	// LinkedPurchaseToken is the token of the purchase this one replaces (an upgrade, a downgrade, a
	// resubscription): the service moves the entitlement from the old token to this one. It is a
	// credential, like any purchase token.
	LinkedPurchaseToken string
	// ObfuscatedAccountID is externalAccountIdentifiers.obfuscatedExternalAccountId: the value the app
	// passed to Play's billing flow (setObfuscatedAccountId), which Homekeep sets to an opaque id of the
	// household, so a purchase is tied to the household that made it and not to whoever presents it.
	ObfuscatedAccountID string
	// LineItems are the products the purchase covers; a plain subscription has one.
	LineItems []LineItem
	// StartTime is when the subscription was granted; zero for a pending purchase.
	StartTime time.Time
	// TestPurchase is true for a licence tester's purchase, which costs nothing and renews every few
	// minutes; a production server may refuse to grant it.
	TestPurchase bool
}

// LineItem is one product of a subscription purchase.
type LineItem struct {
	// ProductID is the subscription's product id in the Play Console.
	ProductID string
	// ExpiryTime is when access to the item ends unless it renews; zero when Google gave none.
	ExpiryTime time.Time
	// AutoRenewEnabled is autoRenewingPlan.autoRenewEnabled: the item renews at ExpiryTime. False for a
	// canceled item and for a prepaid plan.
	AutoRenewEnabled bool
}

// Entitlement says what p grants at now: access until the latest expiry of its line items, and whether
// that item renews by itself then. An active, in-grace-period or canceled subscription grants access
// while that expiry is in the future (a canceled one keeps what was paid for); expired, on-hold, paused
// and pending ones, an unknown state, and a purchase without an expiry grant nothing. When active is
// false, until is nil and autoRenew false, so a caller cannot store an end date for nothing granted.
func Entitlement(p *SubscriptionV2, now time.Time) (until *time.Time, autoRenew bool, active bool) {
	if p == nil {
		return nil, false, false
	}
	switch p.State {
	case StateActive, StateInGracePeriod, StateCanceled:
	default:
		return nil, false, false
	}
	var latest *LineItem
	for i := range p.LineItems {
		item := &p.LineItems[i]
		if !item.ExpiryTime.IsZero() && (latest == nil || item.ExpiryTime.After(latest.ExpiryTime)) {
			latest = item
		}
	}
	if latest == nil || !latest.ExpiryTime.After(now) {
		return nil, false, false
	}
	end := latest.ExpiryTime
	return &end, latest.AutoRenewEnabled && p.State != StateCanceled, true
}

// subscriptionWire is SubscriptionPurchaseV2 as the API encodes it.
type subscriptionWire struct {
	SubscriptionState          SubscriptionState    `json:"subscriptionState"`
	AcknowledgementState       AcknowledgementState `json:"acknowledgementState"`
	LatestOrderID              string               `json:"latestOrderId"`
	LinkedPurchaseToken        string               `json:"linkedPurchaseToken"`
	StartTime                  string               `json:"startTime"`
	ExternalAccountIdentifiers *struct {
		ObfuscatedExternalAccountID string `json:"obfuscatedExternalAccountId"`
	} `json:"externalAccountIdentifiers"`
	LineItems []struct {
		ProductID        string `json:"productId"`
		ExpiryTime       string `json:"expiryTime"`
		AutoRenewingPlan *struct {
			AutoRenewEnabled bool `json:"autoRenewEnabled"`
		} `json:"autoRenewingPlan"`
	} `json:"lineItems"`
	TestPurchase *json.RawMessage `json:"testPurchase"`
}

// decodeSubscription converts the API's answer; its errors say which field is wrong and never repeat the
// answer, which holds the linked purchase token.
func decodeSubscription(body []byte) (*SubscriptionV2, error) {
	var w subscriptionWire
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("decoding the SubscriptionPurchaseV2: %w", redactJSONError(err))
	}
	p := &SubscriptionV2{
		State:               w.SubscriptionState,
		Acknowledgement:     w.AcknowledgementState,
		LatestOrderID:       w.LatestOrderID,
		LinkedPurchaseToken: w.LinkedPurchaseToken,
		TestPurchase:        w.TestPurchase != nil && string(*w.TestPurchase) != "null",
	}
	if p.State == "" {
		p.State = StateUnspecified
	}
	if w.ExternalAccountIdentifiers != nil {
		p.ObfuscatedAccountID = w.ExternalAccountIdentifiers.ObfuscatedExternalAccountID
	}
	var err error
	if p.StartTime, err = parseTime("startTime", w.StartTime); err != nil {
		return nil, err
	}
	for i, li := range w.LineItems {
		item := LineItem{ProductID: li.ProductID}
		if item.ExpiryTime, err = parseTime(fmt.Sprintf("lineItems[%d].expiryTime", i), li.ExpiryTime); err != nil {
			return nil, err
		}
		if li.AutoRenewingPlan != nil {
			item.AutoRenewEnabled = li.AutoRenewingPlan.AutoRenewEnabled
		}
		p.LineItems = append(p.LineItems, item)
	}
	return p, nil
}

// parseTime reads a google.protobuf.Timestamp in its JSON form (RFC 3339, up to nanoseconds); empty is
// the zero time.
func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("decoding the SubscriptionPurchaseV2: %s %.40q is not an RFC 3339 time", field, v)
	}
	return t.UTC(), nil
}

// redactJSONError keeps the kind of a JSON decoding error and drops the input it may quote.
func redactJSONError(err error) error {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Errorf("invalid JSON at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Errorf("field %s is a JSON %s, want %s", e.Field, e.Value, e.Type)
	default:
		if errors.Is(err, errNotInteger) {
			return err
		}
		return errors.New("invalid JSON")
	}
}
