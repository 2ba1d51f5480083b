package google

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pushBody wraps a developer notification's JSON in a Pub/Sub push body, as Pub/Sub sends it (data in
// standard base64, the message id and publish time in both spellings).
func pushBody(t *testing.T, notification string) []byte {
	t.Helper()
	data := base64.StdEncoding.EncodeToString([]byte(notification))
	b, err := json.Marshal(map[string]any{
		"message": map[string]any{
			"attributes":   map[string]string{},
			"data":         data,
			"messageId":    "136969346945",
			"message_id":   "136969346945",
			"publishTime":  "2026-11-29T16:13:55.749Z",
			"publish_time": "2026-11-29T16:13:55.749Z",
		},
		"subscription": "projects/homekeep-test/subscriptions/play-rtdn",
	})
	require.NoError(t, err)
	return b
}

func TestParsePush(t *testing.T) {
	t.Parallel()
	eventTime := time.UnixMilli(1764432835749).UTC()

	tests := []struct {
		name         string
		notification string
		want         DeveloperNotification
	}{
		{
			name: "SubscriptionNotification",
			notification: `{"version":"1.0","packageName":"app.homekeep","eventTimeMillis":"1764432835749",
				"subscriptionNotification":{"version":"1.0","notificationType":4,"purchaseToken":"tok.AO-J1Oz","subscriptionId":"homekeep_plus"}}`,
			want: DeveloperNotification{
				Version: "1.0", PackageName: "app.homekeep", EventTime: eventTime,
				Subscription: &SubscriptionNotification{Version: "1.0", Type: NotificationPurchased, PurchaseToken: "tok.AO-J1Oz", SubscriptionID: "homekeep_plus"},
			},
		},
		{
			name: "SubscriptionNotificationWithoutSubscriptionID",
			notification: `{"version":"1.0","packageName":"app.homekeep","eventTimeMillis":1764432835749,
				"subscriptionNotification":{"version":"1.0","notificationType":13,"purchaseToken":"tok.AO-J1Oz"}}`,
			want: DeveloperNotification{
				Version: "1.0", PackageName: "app.homekeep", EventTime: eventTime,
				Subscription: &SubscriptionNotification{Version: "1.0", Type: NotificationExpired, PurchaseToken: "tok.AO-J1Oz"},
			},
		},
		{
			name: "VoidedPurchaseNotification",
			notification: `{"version":"1.0","packageName":"app.homekeep","eventTimeMillis":"1764432835749",
				"voidedPurchaseNotification":{"purchaseToken":"tok.AO-J1Oz","orderId":"GPA.3345-1234-5678-90123","productType":1,"refundType":1}}`,
			want: DeveloperNotification{
				Version: "1.0", PackageName: "app.homekeep", EventTime: eventTime,
				VoidedPurchase: &VoidedPurchaseNotification{
					PurchaseToken: "tok.AO-J1Oz", OrderID: "GPA.3345-1234-5678-90123",
					ProductType: ProductTypeSubscription, RefundType: RefundTypeFull,
				},
			},
		},
		{
			name:         "TestNotification",
			notification: `{"version":"1.0","packageName":"app.homekeep","eventTimeMillis":"1764432835749","testNotification":{"version":"1.0"}}`,
			want: DeveloperNotification{
				Version: "1.0", PackageName: "app.homekeep", EventTime: eventTime, Test: &TestNotification{Version: "1.0"},
			},
		},
		{
			name: "OneTimeProductNotification",
			notification: `{"version":"1.0","packageName":"app.homekeep","eventTimeMillis":"1764432835749",
				"oneTimeProductNotification":{"version":"1.0","notificationType":1,"purchaseToken":"tok","sku":"tip_jar"}}`,
			want: DeveloperNotification{
				Version: "1.0", PackageName: "app.homekeep", EventTime: eventTime, OneTimeProduct: &OneTimeProductNotification{Type: 1, SKU: "tip_jar"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePush(pushBody(t, tt.notification))
			require.NoError(t, err)
			require.Equal(t, &Push{
				MessageID:    "136969346945",
				PublishTime:  time.Date(2026, 11, 29, 16, 13, 55, 749e6, time.UTC),
				Subscription: "projects/homekeep-test/subscriptions/play-rtdn",
				Notification: tt.want,
			}, p)
		})
	}

	malformed := []struct {
		name    string
		body    []byte
		wantErr string
	}{
		{name: "Empty", body: nil, wantErr: "not a Pub/Sub push"},
		{name: "NotJSON", body: []byte(`message=tok.AO-J1Oz`), wantErr: "not a Pub/Sub push: invalid JSON"},
		{name: "AnArray", body: []byte(`[{"message":{}}]`), wantErr: "not a Pub/Sub push"},
		{name: "NoMessage", body: []byte(`{"subscription":"projects/p/subscriptions/s"}`), wantErr: "has no message"},
		{name: "NoData", body: []byte(`{"message":{"messageId":"1"}}`), wantErr: "has no data"},
		{name: "DataNotAString", body: []byte(`{"message":{"messageId":"1","data":{"packageName":"x"}}}`), wantErr: "not a Pub/Sub push"},
		{name: "NoMessageID", body: []byte(`{"message":{"data":"e30="}}`), wantErr: "has no messageId"},
		{name: "DataNotBase64", body: []byte(`{"message":{"messageId":"1","data":"tok.AO-J1Oz!!"}}`), wantErr: "data is not base64"},
		{name: "BadPublishTime", body: []byte(`{"message":{"messageId":"1","data":"e30=","publishTime":"yesterday"}}`), wantErr: "publishTime"},
		{name: "DataNotJSON", body: pushBody(t, `tok.AO-J1Oz`), wantErr: "is not a developer notification: invalid JSON"},
		{name: "NoPackageName", body: pushBody(t, `{"testNotification":{"version":"1.0"}}`), wantErr: "has no packageName"},
		{name: "NoNotification", body: pushBody(t, `{"packageName":"app.homekeep","eventTimeMillis":"1"}`), wantErr: "has no notification"},
		{
			name:    "TwoNotifications",
			body:    pushBody(t, `{"packageName":"app.homekeep","testNotification":{},"voidedPurchaseNotification":{"purchaseToken":"tok.AO-J1Oz"}}`),
			wantErr: "has 2 notifications",
		},
		{
			name:    "SubscriptionWithoutToken",
			body:    pushBody(t, `{"packageName":"app.homekeep","subscriptionNotification":{"notificationType":2}}`),
			wantErr: "subscriptionNotification without a purchaseToken",
		},
		{
			name:    "VoidedWithoutToken",
			body:    pushBody(t, `{"packageName":"app.homekeep","voidedPurchaseNotification":{"orderId":"GPA.1"}}`),
			wantErr: "voidedPurchaseNotification without a purchaseToken",
		},
		{
			name:    "NotificationTypeNotANumber",
			body:    pushBody(t, `{"packageName":"app.homekeep","subscriptionNotification":{"notificationType":"renewed","purchaseToken":"tok.AO-J1Oz"}}`),
			wantErr: "not an integer",
		},
		{
			name:    "EventTimeNotANumber",
			body:    pushBody(t, `{"packageName":"app.homekeep","eventTimeMillis":"tok.AO-J1Oz","testNotification":{}}`),
			wantErr: "not an integer",
		},
		{name: "TooBig", body: []byte(`{"message":{"data":"` + strings.Repeat("A", 70<<10) + `"}}`), wantErr: "more than"},
	}
	for _, tt := range malformed {
		t.Run("Refuses"+tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePush(tt.body)
			require.Nil(t, p)
			require.ErrorIs(t, err, ErrMalformedPush)
			require.ErrorContains(t, err, tt.wantErr)
			require.NotContains(t, err.Error(), "tok.AO-J1Oz", "the error repeats the body, which may hold a purchase token")
		})
	}
}
