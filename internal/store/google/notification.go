package google

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// maxPush bounds a push body ParsePush reads: a developer notification is a few hundred bytes, and Pub/Sub
// caps a message at 10 MB, more than any notification needs.
const maxPush = 64 << 10

// ErrMalformedPush means a push body is not a Pub/Sub push of a developer notification; the wrapped
// message says what is wrong, without repeating the body. The endpoint answers 400. Pub/Sub redelivers any
// push not answered 2xx until the message's retention ends, so the subscription should have a dead-letter
// topic for the rare push that can never be read.
var ErrMalformedPush = errors.New("google play: malformed push")

// Push is one Pub/Sub push of a Real-time Developer Notification.
type Push struct {
	// MessageID is Pub/Sub's id of the message, the same on every redelivery: a handler that already
	// processed it can answer 2xx at once.
	MessageID string
	// PublishTime is when Pub/Sub received the message.
	PublishTime time.Time
	// Subscription is the Pub/Sub subscription that pushed it ("projects/p/subscriptions/s").
	Subscription string
	// Notification is the decoded message data.
	Notification DeveloperNotification
}

// DeveloperNotification is Play's notification. Exactly one of Subscription, VoidedPurchase, Test and
// OneTimeProduct is set.
type DeveloperNotification struct {
	// Version is the notification format's version ("1.0").
	Version string
	// PackageName is the app the notification is about; the caller refuses one that is not its own.
	PackageName string
	// EventTime is when the event happened.
	EventTime time.Time
	// Subscription is set for a change to a subscription purchase.
	Subscription *SubscriptionNotification
	// VoidedPurchase is set when a purchase was refunded, charged back or revoked.
	VoidedPurchase *VoidedPurchaseNotification
	// Test is set for the test notification the Play Console sends.
	Test *TestNotification
	// OneTimeProduct is set for a one-time product purchase, which Homekeep does not sell; it is decoded
	// so that such a notification is acknowledged and dropped rather than pushed again forever.
	OneTimeProduct *OneTimeProductNotification
}

// SubscriptionNotification is a change to a subscription purchase. It carries no state: the handler
// fetches the purchase (Client.FetchSubscription) and grants what Entitlement says.
type SubscriptionNotification struct {
	// Version is this part's format version.
	Version string
	// Type is what happened.
	Type NotificationType
	// PurchaseToken identifies the purchase. It is a credential: never log it in full.
	PurchaseToken string
	// SubscriptionID is the product id; Google is phasing it out, so it may be empty.
	SubscriptionID string
}

// NotificationType is a subscription notification's notificationType.
type NotificationType int

// The subscription notification types Google documents. Others may come; a handler re-fetches the
// purchase for any type, so an unknown one needs no special case.
const (
	NotificationRecovered               NotificationType = 1
	NotificationRenewed                 NotificationType = 2
	NotificationCanceled                NotificationType = 3
	NotificationPurchased               NotificationType = 4
	NotificationOnHold                  NotificationType = 5
	NotificationInGracePeriod           NotificationType = 6
	NotificationRestarted               NotificationType = 7
	NotificationPriceChangeConfirmed    NotificationType = 8
	NotificationDeferred                NotificationType = 9
	NotificationPaused                  NotificationType = 10
	NotificationPauseScheduleChanged    NotificationType = 11
	NotificationRevoked                 NotificationType = 12
	NotificationExpired                 NotificationType = 13
	NotificationPriceChangeUpdated      NotificationType = 19
	NotificationPendingPurchaseCanceled NotificationType = 20
)

// VoidedPurchaseNotification says a purchase was voided: refunded, charged back or revoked. Access ends
// at once, whatever the purchase's expiry.
type VoidedPurchaseNotification struct {
	// PurchaseToken identifies the voided purchase. It is a credential: never log it in full.
	PurchaseToken string
	// OrderID is the voided order; for a subscription it may be one renewal's order only.
	OrderID string
	// ProductType is ProductTypeSubscription or ProductTypeOneTime.
	ProductType int
	// RefundType is RefundTypeFull or RefundTypePartial.
	RefundType int
}

// Product and refund types of a voided purchase.
const (
	ProductTypeSubscription = 1
	ProductTypeOneTime      = 2
	RefundTypeFull          = 1
	RefundTypePartial       = 2
)

// TestNotification is the notification the Play Console sends to check the setup.
type TestNotification struct {
	// Version is this part's format version.
	Version string
}

// OneTimeProductNotification is a one-time product purchase's notification.
type OneTimeProductNotification struct {
	// Type is its notificationType.
	Type int
	// SKU is the product id.
	SKU string
}

// pushWire is Pub/Sub's push body.
type pushWire struct {
	Message *struct {
		Data        *string `json:"data"`
		MessageID   string  `json:"messageId"`
		PublishTime string  `json:"publishTime"`
	} `json:"message"`
	Subscription string `json:"subscription"`
}

// notificationWire is DeveloperNotification as Play encodes it.
type notificationWire struct {
	Version                  string  `json:"version"`
	PackageName              string  `json:"packageName"`
	EventTimeMillis          jsonInt `json:"eventTimeMillis"`
	SubscriptionNotification *struct {
		Version          string  `json:"version"`
		NotificationType jsonInt `json:"notificationType"`
		PurchaseToken    string  `json:"purchaseToken"`
		SubscriptionID   string  `json:"subscriptionId"`
	} `json:"subscriptionNotification"`
	VoidedPurchaseNotification *struct {
		PurchaseToken string  `json:"purchaseToken"`
		OrderID       string  `json:"orderId"`
		ProductType   jsonInt `json:"productType"`
		RefundType    jsonInt `json:"refundType"`
	} `json:"voidedPurchaseNotification"`
	TestNotification *struct {
		Version string `json:"version"`
	} `json:"testNotification"`
	OneTimeProductNotification *struct {
		NotificationType jsonInt `json:"notificationType"`
		SKU              string  `json:"sku"`
	} `json:"oneTimeProductNotification"`
}

// jsonInt is an int64 Google writes either as a JSON number or, for 64-bit values such as
// eventTimeMillis, as a string of digits.
type jsonInt int64

// errNotInteger is jsonInt's decoding error; it does not repeat the value.
var errNotInteger = errors.New("a number field is not an integer")

// UnmarshalJSON reads a number or a string of digits; null leaves n zero.
func (n *jsonInt) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return errNotInteger
	}
	*n = jsonInt(v)
	return nil
}

// ParsePush decodes a Pub/Sub push body into the developer notification it carries. Every error wraps
// ErrMalformedPush and says which part is wrong without repeating the body, which may hold a purchase
// token. It checks form only: the caller authenticates the push (PushVerifier or SecretPath) and checks the
// package name.
func ParsePush(body []byte) (*Push, error) {
	if len(body) > maxPush {
		return nil, fmt.Errorf("%w: the body is %d bytes, more than %d", ErrMalformedPush, len(body), maxPush)
	}
	var w pushWire
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: the body is not a Pub/Sub push: %w", ErrMalformedPush, redactJSONError(err))
	}
	if w.Message == nil {
		return nil, fmt.Errorf("%w: the body has no message", ErrMalformedPush)
	}
	if w.Message.Data == nil || *w.Message.Data == "" {
		return nil, fmt.Errorf("%w: the message has no data", ErrMalformedPush)
	}
	if w.Message.MessageID == "" {
		return nil, fmt.Errorf("%w: the message has no messageId", ErrMalformedPush)
	}
	p := &Push{MessageID: w.Message.MessageID, Subscription: w.Subscription}
	if w.Message.PublishTime != "" {
		t, err := time.Parse(time.RFC3339Nano, w.Message.PublishTime)
		if err != nil {
			return nil, fmt.Errorf("%w: the message's publishTime %.40q is not an RFC 3339 time", ErrMalformedPush, w.Message.PublishTime)
		}
		p.PublishTime = t.UTC()
	}
	data, err := base64.StdEncoding.DecodeString(*w.Message.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: the message's data is not base64", ErrMalformedPush)
	}
	n, err := decodeNotification(data)
	if err != nil {
		return nil, fmt.Errorf("%w: the message's data %w", ErrMalformedPush, err)
	}
	p.Notification = *n
	return p, nil
}

// decodeNotification converts a notification's JSON; its errors continue "the message's data ...".
func decodeNotification(data []byte) (*DeveloperNotification, error) {
	var w notificationWire
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("is not a developer notification: %w", redactJSONError(err))
	}
	if w.PackageName == "" {
		return nil, errors.New("has no packageName")
	}
	n := &DeveloperNotification{Version: w.Version, PackageName: w.PackageName}
	if w.EventTimeMillis != 0 {
		n.EventTime = time.UnixMilli(int64(w.EventTimeMillis)).UTC()
	}
	kinds := 0
	if s := w.SubscriptionNotification; s != nil {
		kinds++
		if s.PurchaseToken == "" {
			return nil, errors.New("has a subscriptionNotification without a purchaseToken")
		}
		n.Subscription = &SubscriptionNotification{
			Version: s.Version, Type: NotificationType(s.NotificationType),
			PurchaseToken: s.PurchaseToken, SubscriptionID: s.SubscriptionID,
		}
	}
	if v := w.VoidedPurchaseNotification; v != nil {
		kinds++
		if v.PurchaseToken == "" {
			return nil, errors.New("has a voidedPurchaseNotification without a purchaseToken")
		}
		n.VoidedPurchase = &VoidedPurchaseNotification{
			PurchaseToken: v.PurchaseToken, OrderID: v.OrderID,
			ProductType: int(v.ProductType), RefundType: int(v.RefundType),
		}
	}
	if t := w.TestNotification; t != nil {
		kinds++
		n.Test = &TestNotification{Version: t.Version}
	}
	if o := w.OneTimeProductNotification; o != nil {
		kinds++
		n.OneTimeProduct = &OneTimeProductNotification{Type: int(o.NotificationType), SKU: o.SKU}
	}
	switch kinds {
	case 0:
		return nil, errors.New("has no notification (subscription, voided purchase, one-time product or test)")
	case 1:
		return n, nil
	default:
		return nil, fmt.Errorf("has %d notifications, want exactly one", kinds)
	}
}
