package apple

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestVerifyNotification(t *testing.T) {
	t.Parallel()

	t.Run("DecodesANotificationWithItsTransactionAndRenewalInfo", func(t *testing.T) {
		t.Parallel()
		pki := newTestPKI(t, pkiOpts{})
		renewal := renewalPayload()
		renewal["gracePeriodExpiresDate"] = millis(testSignedAt.AddDate(0, 0, 16))
		renewal["expirationIntent"] = 2
		renewal["isInBillingRetryPeriod"] = true
		payload := notificationPayload(pki.sign(t, transactionPayload()), pki.sign(t, renewal))
		payload["notificationType"], payload["subtype"] = "DID_FAIL_TO_RENEW", "GRACE_PERIOD"

		n, err := newTestVerifier(t, pki).VerifyNotification(pki.sign(t, payload))

		require.NoError(t, err)
		require.Equal(t, "DID_FAIL_TO_RENEW", n.NotificationType)
		require.Equal(t, "GRACE_PERIOD", n.Subtype)
		require.Equal(t, "002e14d5-51f5-4503-b5a8-c3a1af68eb20", n.NotificationUUID)
		require.Equal(t, "2.0", n.Version)
		require.Equal(t, testSignedAt, n.SignedDate)
		require.Equal(t, testBundleID, n.BundleID)
		require.Equal(t, "42", n.BundleVersion)
		require.Equal(t, testAppAppleID, n.AppAppleID)
		require.Equal(t, EnvironmentProduction, n.Environment)
		require.Equal(t, 1, n.Status)

		require.NotNil(t, n.Transaction, "the nested signedTransactionInfo")
		require.Equal(t, "2000000000000001", n.Transaction.OriginalTransactionID)
		require.Equal(t, "7e3fb20b-4cdb-47cc-936d-99d65f608138", n.Transaction.AppAccountToken)
		require.Equal(t, testSignedAt.AddDate(0, 1, 0), *n.Transaction.ExpiresDate)

		require.NotNil(t, n.Renewal, "the nested signedRenewalInfo")
		grace := testSignedAt.AddDate(0, 0, 16)
		renewalDate := testSignedAt.AddDate(0, 1, 0)
		recentStart := testSignedAt.AddDate(0, -3, 0)
		require.Equal(t, &RenewalInfo{
			OriginalTransactionID:       "2000000000000001",
			ProductID:                   "homekeep.premium.monthly",
			AutoRenewProductID:          "homekeep.premium.monthly",
			AutoRenewStatus:             AutoRenewOn,
			ExpirationIntent:            2,
			IsInBillingRetryPeriod:      true,
			GracePeriodExpiresDate:      &grace,
			RenewalDate:                 &renewalDate,
			RecentSubscriptionStartDate: &recentStart,
			Environment:                 EnvironmentProduction,
			SignedDate:                  testSignedAt,
		}, n.Renewal)
	})

	t.Run("AcceptsATestNotificationWithoutTransaction", func(t *testing.T) {
		t.Parallel()
		pki := newTestPKI(t, pkiOpts{})
		payload := notificationPayload("", "")
		payload["notificationType"] = "TEST"

		n, err := newTestVerifier(t, pki).VerifyNotification(pki.sign(t, payload))

		require.NoError(t, err)
		require.Equal(t, NotificationTest, n.NotificationType)
		require.Nil(t, n.Transaction)
		require.Nil(t, n.Renewal)
	})

	t.Run("AcceptsASummaryNotification", func(t *testing.T) {
		t.Parallel()
		pki := newTestPKI(t, pkiOpts{})
		payload := notificationPayload("", "")
		delete(payload, "data")
		payload["notificationType"], payload["subtype"] = "RENEWAL_EXTENSION", "SUMMARY"
		payload["summary"] = map[string]any{
			"requestIdentifier": "ca45ff3f-0d5c-4a14-9d0c-5d3a1b1d1b87",
			"environment":       "Production",
			"appAppleId":        testAppAppleID,
			"bundleId":          testBundleID,
			"productId":         "homekeep.premium.monthly",
			"succeededCount":    12,
			"failedCount":       0,
		}

		n, err := newTestVerifier(t, pki).VerifyNotification(pki.sign(t, payload))

		require.NoError(t, err)
		require.Equal(t, testBundleID, n.BundleID)
		require.Equal(t, testAppAppleID, n.AppAppleID)
		require.Equal(t, EnvironmentProduction, n.Environment)
	})

	for _, tt := range []struct {
		name string
		opts []func(*Options)
		// transaction, renewal and notification edit the payloads before they are signed.
		transaction, renewal, notification func(p map[string]any)
		// innerSigner signs the nested transaction instead of the hierarchy under test.
		innerSigner func(t *testing.T, pki *testPKI, payload map[string]any) string
		// tamperTransaction and tamperRenewal edit a nested token after it was signed; the notification
		// around it is then signed validly, so only the nested check can catch it.
		tamperTransaction, tamperRenewal func(t *testing.T, token string) string
		// tamper edits the notification's token after it was signed.
		tamper func(t *testing.T, token string) string
		want   error
		// wantIn is the token the error must name.
		wantIn string
	}{
		{
			name: "RefusesATamperedSignedTransactionInfo",
			tamperTransaction: func(t *testing.T, token string) string {
				return tamperPayload(t, token, "2000000000000001", "2000000000000002")
			},
			want:   ErrSignature,
			wantIn: "data.signedTransactionInfo",
		},
		{
			name: "RefusesATamperedSignedRenewalInfo",
			tamperRenewal: func(t *testing.T, token string) string {
				return tamperPayload(t, token, `"autoRenewStatus":1`, `"autoRenewStatus":0`)
			},
			want:   ErrSignature,
			wantIn: "data.signedRenewalInfo",
		},
		{
			name:   "RefusesATamperedSignedPayload",
			tamper: func(t *testing.T, token string) string { return tamperPayload(t, token, "DID_RENEW", "DID_RENEX") },
			want:   ErrSignature,
			wantIn: "signedPayload",
		},
		{
			name: "RefusesATransactionSignedUnderAnotherRoot",
			innerSigner: func(t *testing.T, _ *testPKI, payload map[string]any) string {
				return newTestPKI(t, pkiOpts{}).sign(t, payload)
			},
			want:   ErrChain,
			wantIn: "data.signedTransactionInfo",
		},
		{
			name:         "RefusesAnotherAppAppleIDInProduction",
			notification: func(p map[string]any) { p["data"].(map[string]any)["appAppleId"] = 987654321 },
			want:         ErrAppAppleID,
			wantIn:       "signedPayload",
		},
		{
			name:         "RefusesAnotherBundleID",
			notification: func(p map[string]any) { p["data"].(map[string]any)["bundleId"] = "com.example.other" },
			want:         ErrBundle,
			wantIn:       "signedPayload",
		},
		{
			name:        "RefusesATransactionForAnotherBundle",
			transaction: func(p map[string]any) { p["bundleId"] = "com.example.other" },
			want:        ErrBundle,
			wantIn:      "data.signedTransactionInfo",
		},
		{
			name:         "RefusesSandboxWhenNotAllowed",
			notification: func(p map[string]any) { p["data"].(map[string]any)["environment"] = "Sandbox" },
			transaction:  func(p map[string]any) { p["environment"] = "Sandbox" },
			renewal:      func(p map[string]any) { p["environment"] = "Sandbox" },
			want:         ErrEnvironment,
			wantIn:       "signedPayload",
		},
		{
			name:         "RefusesXcode",
			opts:         []func(*Options){allowSandbox},
			notification: func(p map[string]any) { p["data"].(map[string]any)["environment"] = "Xcode" },
			want:         ErrEnvironment,
			wantIn:       "signedPayload",
		},
		{
			name:         "RefusesATransactionFromAnotherEnvironment",
			opts:         []func(*Options){allowSandbox},
			notification: func(p map[string]any) { p["data"].(map[string]any)["environment"] = "Sandbox" },
			renewal:      func(p map[string]any) { p["environment"] = "Sandbox" },
			want:         ErrEnvironment,
			wantIn:       "data.signedTransactionInfo",
		},
		{
			name:         "RefusesRenewalInfoFromAnotherEnvironment",
			opts:         []func(*Options){allowSandbox},
			notification: func(p map[string]any) { p["data"].(map[string]any)["environment"] = "Sandbox" },
			transaction:  func(p map[string]any) { p["environment"] = "Sandbox" },
			want:         ErrEnvironment,
			wantIn:       "data.signedRenewalInfo",
		},
		{
			name:         "RefusesANotificationWithNeitherDataNorSummary",
			notification: func(p map[string]any) { delete(p, "data") },
			want:         ErrBundle,
			wantIn:       "signedPayload",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pki := newTestPKI(t, pkiOpts{})
			txPayload, renewal := transactionPayload(), renewalPayload()
			for _, edit := range []struct {
				f func(map[string]any)
				p map[string]any
			}{{tt.transaction, txPayload}, {tt.renewal, renewal}} {
				if edit.f != nil {
					edit.f(edit.p)
				}
			}
			var signedTx string
			if tt.innerSigner != nil {
				signedTx = tt.innerSigner(t, pki, txPayload)
			} else {
				signedTx = pki.sign(t, txPayload)
			}
			signedRenewal := pki.sign(t, renewal)
			if tt.tamperTransaction != nil {
				signedTx = tt.tamperTransaction(t, signedTx)
			}
			if tt.tamperRenewal != nil {
				signedRenewal = tt.tamperRenewal(t, signedRenewal)
			}
			payload := notificationPayload(signedTx, signedRenewal)
			if tt.notification != nil {
				tt.notification(payload)
			}
			token := pki.sign(t, payload)
			if tt.tamper != nil {
				token = tt.tamper(t, token)
			}

			n, err := newTestVerifier(t, pki, tt.opts...).VerifyNotification(token)

			require.Nil(t, n)
			requireFailedCheck(t, err, tt.want, token)
			requireFailedCheck(t, err, tt.want, signedTx)
			requireFailedCheck(t, err, tt.want, signedRenewal)
			require.ErrorContains(t, err, tt.wantIn+": ", "the error names the token that failed")
		})
	}

	t.Run("AppAppleIDIsCheckedOnlyInProductionAndWhenConfigured", func(t *testing.T) {
		t.Parallel()
		pki := newTestPKI(t, pkiOpts{})
		for _, tt := range []struct {
			name       string
			env        string
			configured int64
		}{
			{"Sandbox", "Sandbox", testAppAppleID},
			{"NotConfigured", "Production", 0},
		} {
			tx, renewal := transactionPayload(), renewalPayload()
			tx["environment"], renewal["environment"] = tt.env, tt.env
			payload := notificationPayload(pki.sign(t, tx), pki.sign(t, renewal))
			data := payload["data"].(map[string]any)
			data["environment"], data["appAppleId"] = tt.env, 987654321
			v := newTestVerifier(t, pki, allowSandbox, func(o *Options) { o.AppAppleID = tt.configured })

			_, err := v.VerifyNotification(pki.sign(t, payload))

			require.NoError(t, err, tt.name)
		}
	})

	t.Run("ChecksEachNestedTokenAtItsOwnSignedDate", func(t *testing.T) {
		t.Parallel()
		// The leaf expired before the notification was signed but was valid when the transaction was.
		pki := newTestPKI(t, pkiOpts{
			leafNotBefore: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
			leafNotAfter:  time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC),
		})
		tx := transactionPayload()
		tx["signedDate"] = millis(time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC))
		payload := notificationPayload(pki.sign(t, tx), "")
		payload["signedDate"] = millis(time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC))
		v := newTestVerifier(t, pki)

		_, err := v.VerifyNotification(pki.sign(t, payload))
		require.NoError(t, err, "both signed while the leaf was valid")

		tx["signedDate"] = millis(time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC))
		payload = notificationPayload(pki.sign(t, tx), "")
		payload["signedDate"] = millis(time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC))
		_, err = v.VerifyNotification(pki.sign(t, payload))
		require.ErrorIs(t, err, ErrChain, "the transaction was signed after the leaf expired")
		require.ErrorContains(t, err, "data.signedTransactionInfo: ")
	})
}
