package apple

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestVerifyTransaction(t *testing.T) {
	t.Parallel()

	t.Run("DecodesAValidTransaction", func(t *testing.T) {
		t.Parallel()
		pki := newTestPKI(t, pkiOpts{})
		token := pki.sign(t, transactionPayload())

		tx, err := newTestVerifier(t, pki).VerifyTransaction(token)

		require.NoError(t, err)
		expires := testSignedAt.AddDate(0, 1, 0)
		require.Equal(t, &Transaction{
			TransactionID:               "2000000123456789",
			OriginalTransactionID:       "2000000000000001",
			WebOrderLineItemID:          "2000000011111111",
			BundleID:                    testBundleID,
			ProductID:                   "homekeep.premium.monthly",
			SubscriptionGroupIdentifier: "21000001",
			AppAccountToken:             "7e3fb20b-4cdb-47cc-936d-99d65f608138",
			Type:                        "Auto-Renewable Subscription",
			InAppOwnershipType:          "PURCHASED",
			TransactionReason:           "RENEWAL",
			Environment:                 EnvironmentProduction,
			Storefront:                  "FRA",
			Quantity:                    1,
			Currency:                    "EUR",
			Price:                       4990,
			PurchaseDate:                testSignedAt.Add(-time.Hour),
			OriginalPurchaseDate:        testSignedAt.AddDate(0, -3, 0),
			ExpiresDate:                 &expires,
			SignedDate:                  testSignedAt,
		}, tx)
	})

	t.Run("DecodesARevocation", func(t *testing.T) {
		t.Parallel()
		pki := newTestPKI(t, pkiOpts{})
		payload := transactionPayload()
		payload["revocationDate"] = millis(testSignedAt.Add(-time.Minute))
		payload["revocationReason"] = 0

		tx, err := newTestVerifier(t, pki).VerifyTransaction(pki.sign(t, payload))

		require.NoError(t, err)
		require.NotNil(t, tx.RevocationDate)
		require.Equal(t, testSignedAt.Add(-time.Minute), *tx.RevocationDate)
		require.NotNil(t, tx.RevocationReason, "a revocation reason of 0 is a reason, not an absent one")
		require.Equal(t, 0, *tx.RevocationReason)
	})

	t.Run("AcceptsALeafValidAtSignedDateThoughExpiredNow", func(t *testing.T) {
		t.Parallel()
		pki := newTestPKI(t, pkiOpts{
			leafNotBefore: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
			leafNotAfter:  time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC),
		})
		require.True(t, pki.leaf.NotAfter.Before(time.Now()), "the leaf must have expired by now for this case")
		payload := transactionPayload()
		payload["signedDate"] = millis(time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC))

		_, err := newTestVerifier(t, pki).VerifyTransaction(pki.sign(t, payload))

		require.NoError(t, err)
	})

	t.Run("AcceptsSandboxWhenAllowed", func(t *testing.T) {
		t.Parallel()
		pki := newTestPKI(t, pkiOpts{})
		payload := transactionPayload()
		payload["environment"] = "Sandbox"

		tx, err := newTestVerifier(t, pki, allowSandbox).VerifyTransaction(pki.sign(t, payload))

		require.NoError(t, err)
		require.Equal(t, EnvironmentSandbox, tx.Environment)
	})

	t.Run("PinsAppleRootByDefault", func(t *testing.T) {
		t.Parallel()
		pki := newTestPKI(t, pkiOpts{})
		token := pki.sign(t, transactionPayload())
		v, err := New(Options{BundleID: testBundleID})
		require.NoError(t, err)

		_, err = v.VerifyTransaction(token)

		requireFailedCheck(t, err, ErrChain, token)
	})

	// Each case starts from a valid token that a fresh Apple-like hierarchy signs and breaks one thing.
	for _, tt := range []struct {
		name    string
		pki     pkiOpts
		opts    []func(*Options)
		payload func(p map[string]any)
		spec    func(t *testing.T, pki *testPKI, s *tokenSpec)
		token   func(t *testing.T, token string) string
		want    error
		// wantText, when set, is part of the message: which of the check's reasons it gave.
		wantText string
	}{
		// The certificate chain.
		{
			name: "RefusesAChainToAnotherRoot",
			spec: func(t *testing.T, _ *testPKI, s *tokenSpec) {
				other := newTestPKI(t, pkiOpts{})
				s.header["x5c"], s.key = other.x5c(), other.leafKey
			},
			want: ErrChain,
		},
		{
			name: "RefusesAChainToAnotherRootThatClaimsThePinnedOne",
			spec: func(t *testing.T, pki *testPKI, s *tokenSpec) {
				other := newTestPKI(t, pkiOpts{})
				s.header["x5c"] = []string{b64cert(other.leaf), b64cert(other.intermediate), b64cert(pki.root)}
				s.key = other.leafKey
			},
			want: ErrChain,
		},
		{
			name: "RefusesAHeaderRootOtherThanThePinnedOne",
			spec: func(t *testing.T, pki *testPKI, s *tokenSpec) {
				other := newTestPKI(t, pkiOpts{})
				s.header["x5c"] = []string{b64cert(pki.leaf), b64cert(pki.intermediate), b64cert(other.root)}
			},
			want: ErrChain,
		},
		{
			name: "RefusesALeafSignedByTheRootDirectly",
			spec: func(_ *testing.T, pki *testPKI, s *tokenSpec) {
				s.header["x5c"] = []string{b64cert(pki.intermediate), b64cert(pki.root), b64cert(pki.root)}
				s.key = pki.intermediateKey
			},
			want: ErrChain,
		},
		{
			name: "RefusesTwoCertificates",
			spec: func(_ *testing.T, pki *testPKI, s *tokenSpec) { s.header["x5c"] = pki.x5c()[:2] },
			want: ErrChain,
		},
		{
			name: "RefusesFourCertificates",
			spec: func(_ *testing.T, pki *testPKI, s *tokenSpec) {
				s.header["x5c"] = append(pki.x5c(), b64cert(pki.root))
			},
			want: ErrChain,
		},
		{
			name: "RefusesAHeaderWithoutCertificates",
			spec: func(_ *testing.T, _ *testPKI, s *tokenSpec) { delete(s.header, "x5c") },
			want: ErrChain,
		},
		{
			name: "RefusesACertificateNotInBase64",
			spec: func(_ *testing.T, pki *testPKI, s *tokenSpec) {
				x5c := pki.x5c()
				x5c[1] = "%" + x5c[1]
				s.header["x5c"] = x5c
			},
			want: ErrChain,
		},
		{
			name: "RefusesACertificateNotInDER",
			spec: func(_ *testing.T, pki *testPKI, s *tokenSpec) {
				x5c := pki.x5c()
				x5c[0] = "bm90IGEgY2VydGlmaWNhdGU="
				s.header["x5c"] = x5c
			},
			want: ErrChain,
		},
		{
			name: "RefusesALeafExpiredBeforeSignedDate",
			pki: pkiOpts{
				leafNotBefore: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
				leafNotAfter:  time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC),
			},
			payload: func(p map[string]any) { p["signedDate"] = millis(time.Date(2022, 6, 1, 0, 0, 0, 0, time.UTC)) },
			want:    ErrChain,
		},
		{
			name:    "RefusesALeafNotYetValidAtSignedDate",
			payload: func(p map[string]any) { p["signedDate"] = millis(leafNotBefore.Add(-time.Hour)) },
			want:    ErrChain,
		},

		// Apple's marker extensions.
		{name: "RefusesALeafWithoutItsMarker", pki: pkiOpts{noLeafMarker: true}, want: ErrMarker},
		{name: "RefusesAnIntermediateWithoutItsMarker", pki: pkiOpts{noIntermediateMarker: true}, want: ErrMarker},

		// The algorithm.
		{
			name: "RefusesAlgNone",
			spec: func(_ *testing.T, _ *testPKI, s *tokenSpec) {
				s.header["alg"] = "none"
				s.signer = func(*testing.T, string) []byte { return nil }
			},
			want: ErrAlgorithm,
		},
		{
			name: "RefusesAlgHS256",
			spec: func(_ *testing.T, pki *testPKI, s *tokenSpec) {
				s.header["alg"] = "HS256"
				s.signer = signHS256(pki.leaf)
			},
			want: ErrAlgorithm,
		},
		{
			name: "RefusesAlgES384",
			spec: func(_ *testing.T, _ *testPKI, s *tokenSpec) { s.header["alg"] = "ES384" },
			want: ErrAlgorithm,
		},
		{
			name: "RefusesAHeaderWithoutAlg",
			spec: func(_ *testing.T, _ *testPKI, s *tokenSpec) { delete(s.header, "alg") },
			want: ErrAlgorithm,
		},
		{
			name: "RefusesACritHeader",
			spec: func(_ *testing.T, _ *testPKI, s *tokenSpec) {
				s.header["crit"] = []string{"exp"}
				s.header["exp"] = 1
			},
			want: ErrMalformed,
		},

		// The signature.
		{
			name:  "RefusesAFlippedPayloadByte",
			token: func(t *testing.T, token string) string { return tamperPayload(t, token, "monthly", "monthlz") },
			want:  ErrSignature,
		},
		{
			name: "RefusesAFlippedSignatureByte",
			token: func(t *testing.T, token string) string {
				t.Helper()
				head, encSig, _ := cutLast(token)
				sig, err := b64url.DecodeString(encSig)
				require.NoError(t, err)
				sig[10] ^= 0x01
				return head + "." + b64url.EncodeToString(sig)
			},
			want: ErrSignature,
		},
		{
			name:     "RefusesADEREncodedSignature",
			spec:     func(_ *testing.T, pki *testPKI, s *tokenSpec) { s.signer = signDER(pki.leafKey) },
			want:     ErrSignature,
			wantText: "ASN.1 DER is refused",
		},
		{
			name: "RefusesASignatureByAnotherKey",
			spec: func(t *testing.T, _ *testPKI, s *tokenSpec) { s.key = newKey(t) },
			want: ErrSignature,
		},
		{
			name: "RefusesASignatureByTheIntermediate",
			spec: func(_ *testing.T, pki *testPKI, s *tokenSpec) { s.key = pki.intermediateKey },
			want: ErrSignature,
		},
		{
			name: "RefusesALeafKeyOnAnotherCurve",
			pki:  pkiOpts{leafCurve: elliptic.P384()},
			spec: func(_ *testing.T, pki *testPKI, s *tokenSpec) {
				s.signer = func(t *testing.T, input string) []byte {
					t.Helper()
					digest := sha256.Sum256([]byte(input))
					r, sig, err := ecdsa.Sign(rand.Reader, pki.leafKey, digest[:])
					require.NoError(t, err)
					// ES384's 48-byte halves cut to 32: the right length, from the wrong kind of key.
					return append(r.FillBytes(make([]byte, 48))[:32], sig.FillBytes(make([]byte, 48))[:32]...)
				}
			},
			want:     ErrSignature,
			wantText: "not an ECDSA P-256 key",
		},
		{
			name: "RefusesAnEmptySignature",
			token: func(_ *testing.T, token string) string {
				head, _, _ := cutLast(token)
				return head + "."
			},
			want: ErrSignature,
		},

		// The encoding.
		{name: "RefusesAHeaderNotInBase64", token: breakPart(0), want: ErrMalformed},
		{name: "RefusesAPayloadNotInBase64", token: breakPart(1), want: ErrMalformed},
		{name: "RefusesASignatureNotInBase64", token: breakPart(2), want: ErrMalformed},
		{
			name: "RefusesPaddedBase64",
			token: func(_ *testing.T, token string) string {
				head, encSig, _ := cutLast(token)
				return head + "." + encSig + "=="
			},
			want: ErrMalformed,
		},
		{
			name: "RefusesAHeaderNotInJSON",
			token: func(_ *testing.T, token string) string {
				return b64url.EncodeToString([]byte("{alg")) + token[strings.Index(token, "."):]
			},
			want: ErrMalformed,
		},
		{
			name:  "RefusesTwoParts",
			token: func(_ *testing.T, token string) string { head, _, _ := cutLast(token); return head },
			want:  ErrMalformed,
		},
		{
			name:  "RefusesFourParts",
			token: func(_ *testing.T, token string) string { return token + ".e30" },
			want:  ErrMalformed,
		},
		{
			name:  "RefusesAnOversizedToken",
			token: func(_ *testing.T, token string) string { return token + strings.Repeat("A", maxTokenBytes) },
			want:  ErrMalformed,
		},
		{
			name:    "RefusesAPayloadWithoutSignedDate",
			payload: func(p map[string]any) { delete(p, "signedDate") },
			want:    ErrMalformed,
		},
		{
			name:    "RefusesAFieldOfTheWrongType",
			payload: func(p map[string]any) { p["expiresDate"] = "tomorrow" },
			want:    ErrMalformed,
		},

		// The payload's claims.
		{
			name:    "RefusesAnotherBundleID",
			payload: func(p map[string]any) { p["bundleId"] = "com.example.other" },
			want:    ErrBundle,
		},
		{
			name:    "RefusesAMissingBundleID",
			payload: func(p map[string]any) { delete(p, "bundleId") },
			want:    ErrBundle,
		},
		{
			name:    "RefusesSandboxWhenNotAllowed",
			payload: func(p map[string]any) { p["environment"] = "Sandbox" },
			want:    ErrEnvironment,
		},
		{
			name:    "RefusesXcode",
			opts:    []func(*Options){allowSandbox},
			payload: func(p map[string]any) { p["environment"] = "Xcode" },
			want:    ErrEnvironment,
		},
		{
			name:    "RefusesLocalTesting",
			opts:    []func(*Options){allowSandbox},
			payload: func(p map[string]any) { p["environment"] = "LocalTesting" },
			want:    ErrEnvironment,
		},
		{
			name:    "RefusesAnUnknownEnvironment",
			opts:    []func(*Options){allowSandbox},
			payload: func(p map[string]any) { p["environment"] = "production" },
			want:    ErrEnvironment,
		},
		{
			name:    "RefusesAMissingEnvironment",
			payload: func(p map[string]any) { delete(p, "environment") },
			want:    ErrEnvironment,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pki := newTestPKI(t, tt.pki)
			payload := transactionPayload()
			if tt.payload != nil {
				tt.payload(payload)
			}
			spec := pki.spec(payload)
			if tt.spec != nil {
				tt.spec(t, pki, spec)
			}
			token := spec.build(t)
			if tt.token != nil {
				token = tt.token(t, token)
			}

			tx, err := newTestVerifier(t, pki, tt.opts...).VerifyTransaction(token)

			require.Nil(t, tx)
			requireFailedCheck(t, err, tt.want, token)
			if tt.wantText != "" {
				require.ErrorContains(t, err, tt.wantText)
			}
		})
	}
}

// cutLast splits a token before its last dot.
func cutLast(token string) (head, last string, found bool) {
	i := strings.LastIndex(token, ".")
	if i < 0 {
		return token, "", false
	}
	return token[:i], token[i+1:], true
}

// breakPart puts a character outside base64url into the token's i-th part.
func breakPart(i int) func(t *testing.T, token string) string {
	return func(t *testing.T, token string) string {
		t.Helper()
		parts := strings.Split(token, ".")
		require.Len(t, parts, 3)
		parts[i] = parts[i][:4] + "+" + parts[i][5:]
		return strings.Join(parts, ".")
	}
}
