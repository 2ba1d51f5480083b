package google

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// newClient returns a Client whose credentials (signed with key) fetch tokens from srv and call srv.
func newClient(t *testing.T, srv *publisherServer, key *rsa.PrivateKey) *Client {
	t.Helper()
	c, err := New(Options{
		CredentialsJSON: srv.credentials(t, key),
		PackageName:     testPackage,
		BaseURL:         srv.URL,
		HTTPClient:      srv.Client(),
		Timeout:         5 * time.Second,
	})
	require.NoError(t, err)
	return c
}

// purchaseToken returns a token shaped like Play's (long, with dots and dashes), distinct per test.
func purchaseToken(name string) string {
	return "pjgcnhmkoalbfldpmjhkjbif.AO-J1Oz" + name + "-x7Qh2VbWcLr9TmPqS4uYn3Kd8FgHjZ0aEiOtUyXw5sRvBnMlKc1"
}

// requireNoToken fails when err repeats the purchase token, a credential.
func requireNoToken(t *testing.T, err error, token string) {
	t.Helper()
	if err != nil {
		require.NotContains(t, err.Error(), token, "the error repeats the purchase token")
	}
}

func TestClient_FetchSubscription(t *testing.T) {
	t.Parallel()
	srv := startPublisher(t)
	client := newClient(t, srv, srv.key)
	now := time.Now()

	tests := []struct {
		name          string
		replies       []reply
		wantState     SubscriptionState
		wantActive    bool
		wantAutoRenew bool
		wantUntil     time.Time
	}{
		{
			name:          "ActiveGrantsUntilExpiryAndRenews",
			replies:       []reply{{status: http.StatusOK, body: subscriptionJSON("SUBSCRIPTION_STATE_ACTIVE", now.Add(30*24*time.Hour), true)}},
			wantState:     StateActive,
			wantActive:    true,
			wantAutoRenew: true,
			wantUntil:     now.Add(30 * 24 * time.Hour),
		},
		{
			name:          "InGracePeriodGrantsUntilExpiry",
			replies:       []reply{{status: http.StatusOK, body: subscriptionJSON("SUBSCRIPTION_STATE_IN_GRACE_PERIOD", now.Add(3*24*time.Hour), true)}},
			wantState:     StateInGracePeriod,
			wantActive:    true,
			wantAutoRenew: true,
			wantUntil:     now.Add(3 * 24 * time.Hour),
		},
		{
			name:       "CanceledNotYetExpiredGrantsUntilExpiryWithoutRenewal",
			replies:    []reply{{status: http.StatusOK, body: subscriptionJSON("SUBSCRIPTION_STATE_CANCELED", now.Add(10*24*time.Hour), false)}},
			wantState:  StateCanceled,
			wantActive: true,
			wantUntil:  now.Add(10 * 24 * time.Hour),
		},
		{
			name:      "ExpiredGrantsNothing",
			replies:   []reply{{status: http.StatusOK, body: subscriptionJSON("SUBSCRIPTION_STATE_EXPIRED", now.Add(-24*time.Hour), false)}},
			wantState: StateExpired,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := purchaseToken(tt.name)
			srv.on(token, tt.replies...)

			p, err := client.FetchSubscription(context.Background(), token)
			require.NoError(t, err)
			require.Equal(t, tt.wantState, p.State)
			require.Equal(t, AcknowledgementAcknowledged, p.Acknowledgement)
			require.Equal(t, "GPA.3345-1234-5678-90123..2", p.LatestOrderID)
			require.Equal(t, "hh_7f3a", p.ObfuscatedAccountID)
			require.Equal(t, time.Date(2026, 1, 5, 10, 0, 0, 123e6, time.UTC), p.StartTime)
			require.False(t, p.TestPurchase, "a purchase without testPurchase")
			require.Len(t, p.LineItems, 1)
			require.Equal(t, "homekeep_plus", p.LineItems[0].ProductID)

			until, autoRenew, active := Entitlement(p, now)
			require.Equal(t, tt.wantActive, active, "active")
			require.Equal(t, tt.wantAutoRenew, autoRenew, "autoRenew")
			if !tt.wantActive {
				require.Nil(t, until, "until of a subscription that grants nothing")
				return
			}
			require.NotNil(t, until)
			require.WithinDuration(t, tt.wantUntil, *until, time.Microsecond)
		})
	}

	t.Run("DecodesTestPurchaseAndLinkedToken", func(t *testing.T) {
		t.Parallel()
		token := purchaseToken("Linked")
		srv.on(token, reply{status: http.StatusOK, body: `{
			"subscriptionState": "SUBSCRIPTION_STATE_ACTIVE",
			"acknowledgementState": "ACKNOWLEDGEMENT_STATE_PENDING",
			"linkedPurchaseToken": "old-token.AO-J1Oz",
			"testPurchase": {},
			"lineItems": [
				{"productId": "homekeep_plus", "expiryTime": "2030-01-01T00:00:00Z", "autoRenewingPlan": {}},
				{"productId": "homekeep_addon", "expiryTime": "2030-02-01T00:00:00.5Z", "prepaidPlan": {}}
			]
		}`})

		p, err := client.FetchSubscription(context.Background(), token)
		require.NoError(t, err)
		require.Equal(t, &SubscriptionV2{
			State:               StateActive,
			Acknowledgement:     AcknowledgementPending,
			LinkedPurchaseToken: "old-token.AO-J1Oz",
			TestPurchase:        true,
			LineItems: []LineItem{
				{ProductID: "homekeep_plus", ExpiryTime: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
				{ProductID: "homekeep_addon", ExpiryTime: time.Date(2030, 2, 1, 0, 0, 0, 5e8, time.UTC)},
			},
		}, p)
	})

	errorTests := []struct {
		name          string
		replies       []reply
		wantIs        error
		wantRetryable bool
		wantAfter     time.Duration
		wantFetches   int
	}{
		{name: "NotFoundIsUnknownPurchase", wantIs: ErrUnknownPurchase, wantFetches: 1},
		{name: "GoneIsUnknownPurchase", replies: []reply{{status: http.StatusGone, body: noLongerAvailable}}, wantIs: ErrUnknownPurchase, wantFetches: 1},
		{
			name:          "ServiceUnavailableIsRetryable",
			replies:       []reply{{status: http.StatusServiceUnavailable, header: http.Header{"Retry-After": {"30"}}, body: backendError}},
			wantRetryable: true, wantAfter: 30 * time.Second, wantFetches: 1,
		},
		{name: "InternalErrorWithoutBodyIsRetryable", replies: []reply{{status: http.StatusInternalServerError}}, wantRetryable: true, wantFetches: 1},
		{name: "QuotaIsRetryable", replies: []reply{{status: http.StatusTooManyRequests, body: quotaExceeded}}, wantRetryable: true, wantFetches: 1},
		{name: "ForbiddenIsCredentials", replies: []reply{{status: http.StatusForbidden, body: permissionDenied}}, wantIs: ErrCredentials, wantFetches: 1},
		{name: "MalformedAnswerIsPermanent", replies: []reply{{status: http.StatusOK, body: `{"lineItems": [{"expiryTime": "tomorrow"}]}`}}, wantFetches: 1},
	}
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			token := purchaseToken(tt.name)
			if tt.replies != nil {
				srv.on(token, tt.replies...)
			}

			p, err := client.FetchSubscription(context.Background(), token)
			require.Error(t, err)
			require.Nil(t, p)
			if tt.wantIs != nil {
				require.ErrorIs(t, err, tt.wantIs)
			}
			require.Equal(t, tt.wantRetryable, IsRetryable(err), "IsRetryable(%v)", err)
			require.Equal(t, tt.wantAfter, RetryAfter(err), "RetryAfter(%v)", err)
			require.Equal(t, tt.wantFetches, srv.fetches(token), "calls the API got")
			requireNoToken(t, err, token)
		})
	}

	t.Run("BadRequestKeepsGooglesReasonWithoutTheToken", func(t *testing.T) {
		t.Parallel()
		token := purchaseToken("Invalid")
		srv.on(token, reply{status: http.StatusBadRequest, body: invalidValue(token)})

		_, err := client.FetchSubscription(context.Background(), token)
		apiErr, ok := errors.AsType[*APIError](err)
		require.True(t, ok, "error %v is not an *APIError", err)
		require.Equal(t, http.StatusBadRequest, apiErr.Status)
		require.Equal(t, "invalid", apiErr.Reason)
		require.False(t, IsRetryable(err))
		require.NotErrorIs(t, err, ErrUnknownPurchase)
		requireNoToken(t, err, token)
		require.Contains(t, err.Error(), redact(token), "the error names the token by its redacted form")
	})
}

func TestClient_Credentials(t *testing.T) {
	t.Parallel()

	t.Run("ReusesTheAccessToken", func(t *testing.T) {
		t.Parallel()
		srv := startPublisher(t)
		client := newClient(t, srv, srv.key)
		token := purchaseToken("Reuse")
		srv.on(token, reply{status: http.StatusOK, body: subscriptionJSON("SUBSCRIPTION_STATE_ACTIVE", time.Now().Add(time.Hour), true)})

		for range 3 {
			_, err := client.FetchSubscription(context.Background(), token)
			require.NoError(t, err)
		}
		require.Equal(t, 1, srv.tokensIssued(), "access tokens fetched for three calls")
	})

	t.Run("FetchesANewTokenWhenTheCachedOneIsRevoked", func(t *testing.T) {
		t.Parallel()
		srv := startPublisher(t)
		client := newClient(t, srv, srv.key)
		token := purchaseToken("Revoked")
		srv.on(token, reply{status: http.StatusOK, body: subscriptionJSON("SUBSCRIPTION_STATE_ACTIVE", time.Now().Add(time.Hour), true)})
		_, err := client.FetchSubscription(context.Background(), token)
		require.NoError(t, err)

		srv.revokeAll()
		_, err = client.FetchSubscription(context.Background(), token)
		require.NoError(t, err, "a call after the cached access token was revoked")
		require.Equal(t, 2, srv.tokensIssued(), "access tokens fetched")
	})

	t.Run("KeyTheAccountDoesNotHaveIsCredentials", func(t *testing.T) {
		t.Parallel()
		srv := startPublisher(t)
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		client := newClient(t, srv, other)
		token := purchaseToken("WrongKey")
		srv.on(token, reply{status: http.StatusOK, body: subscriptionJSON("SUBSCRIPTION_STATE_ACTIVE", time.Now().Add(time.Hour), true)})

		_, err = client.FetchSubscription(context.Background(), token)
		require.ErrorIs(t, err, ErrCredentials)
		require.False(t, IsRetryable(err))
		require.Equal(t, 0, srv.fetches(token), "API calls without an access token")
		requireNoToken(t, err, token)
	})

	t.Run("UnreachableAPIIsRetryable", func(t *testing.T) {
		t.Parallel()
		srv := startPublisher(t)
		client := newClient(t, srv, srv.key)
		srv.Close()
		token := purchaseToken("Unreachable")

		_, err := client.FetchSubscription(context.Background(), token)
		require.Error(t, err)
		require.True(t, IsRetryable(err), "IsRetryable(%v)", err)
		requireNoToken(t, err, token)
	})

	t.Run("UnreachableAPIAfterTheTokenIsRetryableWithoutTheURL", func(t *testing.T) {
		t.Parallel()
		srv := startPublisher(t)
		c, err := New(Options{
			CredentialsJSON: srv.credentials(t, srv.key),
			PackageName:     testPackage,
			BaseURL:         "https://127.0.0.1:1", // nothing listens on port 1
			HTTPClient:      srv.Client(),
			Timeout:         5 * time.Second,
		})
		require.NoError(t, err)
		token := purchaseToken("NoAPI")

		_, err = c.FetchSubscription(context.Background(), token)
		require.Error(t, err)
		require.True(t, IsRetryable(err), "IsRetryable(%v)", err)
		require.Equal(t, 1, srv.tokensIssued(), "the access token was fetched before the call failed")
		requireNoToken(t, err, token)
	})
}

func TestClient_Acknowledge(t *testing.T) {
	t.Parallel()
	srv := startPublisher(t)
	client := newClient(t, srv, srv.key)

	t.Run("AcknowledgesThePurchaseOnce", func(t *testing.T) {
		t.Parallel()
		token := purchaseToken("Ack")
		srv.on(token, reply{status: http.StatusOK, body: subscriptionJSON("SUBSCRIPTION_STATE_ACTIVE", time.Now().Add(time.Hour), true)})

		require.NoError(t, client.Acknowledge(context.Background(), "homekeep_plus", token))
		require.Equal(t, []string{"homekeep_plus"}, srv.acknowledged(token), "acknowledge calls the API got")
	})

	t.Run("UnknownTokenIsUnknownPurchase", func(t *testing.T) {
		t.Parallel()
		token := purchaseToken("AckUnknown")

		err := client.Acknowledge(context.Background(), "homekeep_plus", token)
		require.ErrorIs(t, err, ErrUnknownPurchase)
		require.Empty(t, srv.acknowledged(token))
		requireNoToken(t, err, token)
	})

	t.Run("AnswersForItsPackage", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, testPackage, client.PackageName())
	})

	t.Run("MissingArgumentsAreRefusedWithoutACall", func(t *testing.T) {
		t.Parallel()
		require.Error(t, client.Acknowledge(context.Background(), "", purchaseToken("AckNoProduct")))
		require.Error(t, client.Acknowledge(context.Background(), "homekeep_plus", ""))
	})
}

func TestNew_RefusesBadOptions(t *testing.T) {
	t.Parallel()
	srv := startPublisher(t)
	creds := srv.credentials(t, srv.key)

	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{name: "NoCredentials", opts: Options{PackageName: testPackage}, wantErr: "CredentialsJSON (GOOGLE_PLAY_CREDENTIALS_FILE) is required"},
		{name: "CredentialsNotJSON", opts: Options{CredentialsJSON: []byte("-----BEGIN PRIVATE KEY-----"), PackageName: testPackage}, wantErr: "not a JSON service-account key"},
		{name: "NotAServiceAccount", opts: Options{CredentialsJSON: []byte(`{"type":"authorized_user"}`), PackageName: testPackage}, wantErr: `want "service_account"`},
		{
			name:    "BrokenKey",
			opts:    Options{CredentialsJSON: []byte(`{"type":"service_account","client_email":"a@b.c","private_key":"c2VjcmV0LWtleS1tYXRlcmlhbA=="}`), PackageName: testPackage},
			wantErr: "no readable RSA private_key",
		},
		{name: "NoPackageName", opts: Options{CredentialsJSON: creds}, wantErr: "PackageName (GOOGLE_PLAY_PACKAGE_NAME)"},
		{name: "PackageNameWithASlash", opts: Options{CredentialsJSON: creds, PackageName: "app.homekeep/../x"}, wantErr: "not an Android application id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.opts)
			require.Nil(t, c)
			require.ErrorContains(t, err, tt.wantErr)
			require.NotContains(t, err.Error(), "c2VjcmV0", "the error repeats the key")
			require.False(t, strings.Contains(err.Error(), "PRIVATE KEY"), "the error repeats the key")
		})
	}
}
