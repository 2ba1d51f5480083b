package apple

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The times test tokens and certificates use. They are fixed, not relative to now: the verifier never
// reads the clock, and a fixed signedDate keeps every case the same on every day.
var (
	caNotBefore   = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	caNotAfter    = time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
	leafNotBefore = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	leafNotAfter  = time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC)
	testSignedAt  = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
)

// testBundleID and testAppAppleID are what test verifiers are configured with and test payloads name.
const (
	testBundleID   = "com.example.homekeep"
	testAppAppleID = int64(1234567890)
)

// testPKI is a certificate hierarchy shaped like Apple's (root, intermediate with the 6.2.1 marker, leaf
// with the 6.11.1 marker, all ECDSA P-256) whose leaf key signs test tokens.
type testPKI struct {
	root, intermediate, leaf *x509.Certificate
	intermediateKey, leafKey *ecdsa.PrivateKey
	// roots holds only root, for Options.Roots.
	roots *x509.CertPool
}

// pkiOpts varies a testPKI from the Apple-like default.
type pkiOpts struct {
	noLeafMarker, noIntermediateMarker bool
	// leafCurve is the leaf key's curve; nil is P-256, as ES256 requires.
	leafCurve elliptic.Curve
	// leafNotBefore and leafNotAfter default to the package's leafNotBefore and leafNotAfter.
	leafNotBefore, leafNotAfter time.Time
}

// newTestPKI makes a fresh hierarchy.
func newTestPKI(t *testing.T, opts pkiOpts) *testPKI {
	t.Helper()
	if opts.leafNotBefore.IsZero() {
		opts.leafNotBefore = leafNotBefore
	}
	if opts.leafNotAfter.IsZero() {
		opts.leafNotAfter = leafNotAfter
	}
	rootKey, intermediateKey, leafKey := newKey(t), newKey(t), newKey(t)
	if opts.leafCurve != nil {
		var err error
		leafKey, err = ecdsa.GenerateKey(opts.leafCurve, rand.Reader)
		require.NoError(t, err)
	}

	root := issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Test Root CA - G3"},
		NotBefore:             caNotBefore,
		NotAfter:              caNotAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, rootKey, rootKey)

	intermediateTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Test Worldwide Developer Relations CA"},
		NotBefore:             caNotBefore,
		NotAfter:              caNotAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	if !opts.noIntermediateMarker {
		intermediateTmpl.ExtraExtensions = []pkix.Extension{marker(oidIntermediateMarker)}
	}
	intermediate := issue(t, intermediateTmpl, root, intermediateKey, rootKey)

	leafTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Test App Store Signing"},
		NotBefore:             opts.leafNotBefore,
		NotAfter:              opts.leafNotAfter,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	if !opts.noLeafMarker {
		leafTmpl.ExtraExtensions = []pkix.Extension{marker(oidLeafMarker)}
	}
	leaf := issue(t, leafTmpl, intermediate, leafKey, intermediateKey)

	roots := x509.NewCertPool()
	roots.AddCert(root)
	return &testPKI{
		root: root, intermediate: intermediate, leaf: leaf,
		intermediateKey: intermediateKey, leafKey: leafKey,
		roots: roots,
	}
}

// newKey makes a P-256 key.
func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return key
}

// issue signs tmpl for key with parentKey; a nil parent makes it self-signed.
func issue(t *testing.T, tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	require.NoError(t, err)
	tmpl.SerialNumber = serial
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return cert
}

// marker is one of Apple's marker extensions, with the ASN.1 NULL value Apple gives it, not critical.
func marker(oid asn1.ObjectIdentifier) pkix.Extension {
	return pkix.Extension{Id: oid, Value: []byte{0x05, 0x00}}
}

// x5c is the header's certificate list for this hierarchy: leaf, intermediate, root.
func (p *testPKI) x5c() []string {
	return []string{b64cert(p.leaf), b64cert(p.intermediate), b64cert(p.root)}
}

// b64cert encodes a certificate as x5c does: standard base64 of its DER.
func b64cert(c *x509.Certificate) string { return base64.StdEncoding.EncodeToString(c.Raw) }

// tokenSpec is a JWS to build; the zero signer is a raw ES256 signature by key.
type tokenSpec struct {
	header  map[string]any
	payload map[string]any
	key     *ecdsa.PrivateKey
	// signer signs the signing input; nil is signES256 with key.
	signer func(t *testing.T, input string) []byte
}

// spec returns a token spec that p signs with Apple's header, for payload.
func (p *testPKI) spec(payload map[string]any) *tokenSpec {
	return &tokenSpec{
		header:  map[string]any{"alg": "ES256", "x5c": p.x5c()},
		payload: payload,
		key:     p.leafKey,
	}
}

// sign returns payload as a JWS that p's leaf signed, as Apple would.
func (p *testPKI) sign(t *testing.T, payload map[string]any) string {
	t.Helper()
	return p.spec(payload).build(t)
}

// build encodes and signs the token.
func (s *tokenSpec) build(t *testing.T) string {
	t.Helper()
	input := encodeJSON(t, s.header) + "." + encodeJSON(t, s.payload)
	var sig []byte
	if s.signer != nil {
		sig = s.signer(t, input)
	} else {
		sig = signES256(t, s.key, input)
	}
	return input + "." + b64url.EncodeToString(sig)
}

// encodeJSON encodes v as a JWS part.
func encodeJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return b64url.EncodeToString(raw)
}

// signES256 is JWS ES256: the raw r||s signature of the input's SHA-256, 32 bytes each.
func signES256(t *testing.T, key *ecdsa.PrivateKey, input string) []byte {
	t.Helper()
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	require.NoError(t, err)
	sig := make([]byte, es256SignatureLen)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

// signDER signs with key like signES256, but encodes the signature as ASN.1 DER, the mistake a JWS
// library must not accept.
func signDER(key *ecdsa.PrivateKey) func(t *testing.T, input string) []byte {
	return func(t *testing.T, input string) []byte {
		t.Helper()
		digest := sha256.Sum256([]byte(input))
		sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
		require.NoError(t, err)
		require.NotEqual(t, es256SignatureLen, len(sig), "a DER signature happens to be 64 bytes; rerun")
		return sig
	}
}

// signHS256 signs with HMAC-SHA256 keyed with the leaf certificate, the classic key-confusion forgery.
func signHS256(leaf *x509.Certificate) func(t *testing.T, input string) []byte {
	return func(t *testing.T, input string) []byte {
		t.Helper()
		mac := hmac.New(sha256.New, leaf.Raw)
		mac.Write([]byte(input))
		return mac.Sum(nil)
	}
}

// millis is a time as Apple writes it.
func millis(t time.Time) int64 { return t.UnixMilli() }

// transactionPayload is a valid production JWSTransactionDecodedPayload for testBundleID.
func transactionPayload() map[string]any {
	return map[string]any{
		"transactionId":               "2000000123456789",
		"originalTransactionId":       "2000000000000001",
		"webOrderLineItemId":          "2000000011111111",
		"bundleId":                    testBundleID,
		"productId":                   "homekeep.premium.monthly",
		"subscriptionGroupIdentifier": "21000001",
		"purchaseDate":                millis(testSignedAt.Add(-time.Hour)),
		"originalPurchaseDate":        millis(testSignedAt.AddDate(0, -3, 0)),
		"expiresDate":                 millis(testSignedAt.AddDate(0, 1, 0)),
		"quantity":                    1,
		"type":                        "Auto-Renewable Subscription",
		"appAccountToken":             "7e3fb20b-4cdb-47cc-936d-99d65f608138",
		"inAppOwnershipType":          "PURCHASED",
		"signedDate":                  millis(testSignedAt),
		"environment":                 "Production",
		"transactionReason":           "RENEWAL",
		"storefront":                  "FRA",
		"storefrontId":                "143442",
		"price":                       4990,
		"currency":                    "EUR",
	}
}

// renewalPayload is a valid production JWSRenewalInfoDecodedPayload for the same subscription.
func renewalPayload() map[string]any {
	return map[string]any{
		"originalTransactionId":       "2000000000000001",
		"autoRenewProductId":          "homekeep.premium.monthly",
		"productId":                   "homekeep.premium.monthly",
		"autoRenewStatus":             1,
		"isInBillingRetryPeriod":      false,
		"signedDate":                  millis(testSignedAt),
		"environment":                 "Production",
		"recentSubscriptionStartDate": millis(testSignedAt.AddDate(0, -3, 0)),
		"renewalDate":                 millis(testSignedAt.AddDate(0, 1, 0)),
	}
}

// notificationPayload is a valid production ResponseBodyV2DecodedPayload carrying the given signed
// transaction and renewal info (left out when empty).
func notificationPayload(signedTransaction, signedRenewal string) map[string]any {
	data := map[string]any{
		"appAppleId":    testAppAppleID,
		"bundleId":      testBundleID,
		"bundleVersion": "42",
		"environment":   "Production",
		"status":        1,
	}
	if signedTransaction != "" {
		data["signedTransactionInfo"] = signedTransaction
	}
	if signedRenewal != "" {
		data["signedRenewalInfo"] = signedRenewal
	}
	return map[string]any{
		"notificationType": "DID_RENEW",
		"notificationUUID": "002e14d5-51f5-4503-b5a8-c3a1af68eb20",
		"version":          "2.0",
		"signedDate":       millis(testSignedAt),
		"data":             data,
	}
}

// tamperPayload changes old to replacement inside the token's payload and re-encodes it, keeping the
// header and the signature: what an attacker editing a token in transit produces.
func tamperPayload(t *testing.T, token, old, replacement string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	raw, err := b64url.DecodeString(parts[1])
	require.NoError(t, err)
	require.Contains(t, string(raw), old, "the payload to tamper with")
	parts[1] = b64url.EncodeToString([]byte(strings.Replace(string(raw), old, replacement, 1)))
	return strings.Join(parts, ".")
}

// newTestVerifier is a Verifier trusting p's root, configured like production, with opts applied.
func newTestVerifier(t *testing.T, p *testPKI, opts ...func(*Options)) *Verifier {
	t.Helper()
	o := Options{BundleID: testBundleID, AppAppleID: testAppAppleID, Roots: p.roots}
	for _, f := range opts {
		f(&o)
	}
	v, err := New(o)
	require.NoError(t, err)
	return v
}

// allowSandbox switches Sandbox on.
func allowSandbox(o *Options) { o.AllowSandbox = true }

// sentinels are every error a verification can wrap; each failure wraps exactly one.
var sentinels = []error{
	ErrMalformed, ErrAlgorithm, ErrChain, ErrMarker, ErrSignature, ErrBundle, ErrAppAppleID, ErrEnvironment,
}

// requireFailedCheck asserts that err is the failure of the check want, and of no other, and that its
// message does not repeat the token.
func requireFailedCheck(t *testing.T, err, want error, token string) {
	t.Helper()
	require.ErrorIs(t, err, want)
	for _, other := range sentinels {
		if other != want {
			require.NotErrorIs(t, err, other, "the error wraps a second check's sentinel")
		}
	}
	for _, part := range strings.Split(token, ".") {
		if len(part) > 16 {
			require.NotContains(t, err.Error(), part, "the error repeats part of the token")
		}
	}
}
