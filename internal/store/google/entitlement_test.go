package google

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestEntitlement(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	later := now.Add(72 * time.Hour)
	latest := now.Add(30 * 24 * time.Hour)
	past := now.Add(-time.Hour)

	renewing := func(at time.Time) LineItem {
		return LineItem{ProductID: "homekeep_plus", ExpiryTime: at, AutoRenewEnabled: true}
	}
	lapsing := func(at time.Time) LineItem { return LineItem{ProductID: "homekeep_plus", ExpiryTime: at} }

	tests := []struct {
		name          string
		p             *SubscriptionV2
		wantUntil     *time.Time
		wantAutoRenew bool
		wantActive    bool
	}{
		{name: "ActiveRenewing", p: &SubscriptionV2{State: StateActive, LineItems: []LineItem{renewing(later)}}, wantUntil: &later, wantAutoRenew: true, wantActive: true},
		{name: "ActivePrepaid", p: &SubscriptionV2{State: StateActive, LineItems: []LineItem{lapsing(later)}}, wantUntil: &later, wantActive: true},
		{name: "InGracePeriod", p: &SubscriptionV2{State: StateInGracePeriod, LineItems: []LineItem{renewing(later)}}, wantUntil: &later, wantAutoRenew: true, wantActive: true},
		{name: "CanceledNotYetExpired", p: &SubscriptionV2{State: StateCanceled, LineItems: []LineItem{lapsing(later)}}, wantUntil: &later, wantActive: true},
		{name: "CanceledNeverRenewsEvenIfTheFlagSaysSo", p: &SubscriptionV2{State: StateCanceled, LineItems: []LineItem{renewing(later)}}, wantUntil: &later, wantActive: true},
		{name: "CanceledAndExpired", p: &SubscriptionV2{State: StateCanceled, LineItems: []LineItem{lapsing(past)}}},
		{name: "CanceledExpiringNow", p: &SubscriptionV2{State: StateCanceled, LineItems: []LineItem{lapsing(now)}}},
		{name: "ActiveWithExpiryPassed", p: &SubscriptionV2{State: StateActive, LineItems: []LineItem{renewing(past)}}},
		{
			name:      "LatestLineItemCounts",
			p:         &SubscriptionV2{State: StateActive, LineItems: []LineItem{lapsing(later), renewing(latest), lapsing(past)}},
			wantUntil: &latest, wantAutoRenew: true, wantActive: true,
		},
		{name: "ActiveWithoutExpiry", p: &SubscriptionV2{State: StateActive, LineItems: []LineItem{{ProductID: "homekeep_plus", AutoRenewEnabled: true}}}},
		{name: "ActiveWithoutLineItems", p: &SubscriptionV2{State: StateActive}},
		{name: "Expired", p: &SubscriptionV2{State: StateExpired, LineItems: []LineItem{lapsing(past)}}},
		{name: "ExpiredWithAFutureExpiry", p: &SubscriptionV2{State: StateExpired, LineItems: []LineItem{lapsing(later)}}},
		{name: "OnHold", p: &SubscriptionV2{State: StateOnHold, LineItems: []LineItem{renewing(later)}}},
		{name: "Paused", p: &SubscriptionV2{State: StatePaused, LineItems: []LineItem{renewing(later)}}},
		{name: "Pending", p: &SubscriptionV2{State: StatePending, LineItems: []LineItem{renewing(later)}}},
		{name: "PendingPurchaseCanceled", p: &SubscriptionV2{State: StatePendingPurchaseCanceled, LineItems: []LineItem{lapsing(later)}}},
		{name: "Unspecified", p: &SubscriptionV2{State: StateUnspecified, LineItems: []LineItem{renewing(later)}}},
		{name: "StateGoogleAddsLater", p: &SubscriptionV2{State: "SUBSCRIPTION_STATE_SOMETHING_NEW", LineItems: []LineItem{renewing(later)}}},
		{name: "NoPurchase", p: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			until, autoRenew, active := Entitlement(tt.p, now)
			require.Equal(t, tt.wantActive, active, "active")
			require.Equal(t, tt.wantAutoRenew, autoRenew, "autoRenew")
			require.Equal(t, tt.wantUntil, until, "until")
		})
	}

	t.Run("UntilIsACopy", func(t *testing.T) {
		t.Parallel()
		p := &SubscriptionV2{State: StateActive, LineItems: []LineItem{renewing(later)}}
		until, _, _ := Entitlement(p, now)
		require.NotNil(t, until)
		*until = past
		require.Equal(t, later, p.LineItems[0].ExpiryTime, "changing until changed the purchase")
	})
}
