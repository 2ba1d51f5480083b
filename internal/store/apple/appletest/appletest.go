// Package appletest signs App Store data the way Apple does (ES256 JWS with an x5c chain of leaf,
// intermediate and root carrying Apple's marker extensions), with a certificate authority of its own, for
// tests of code that verifies it with package apple: pass CA.Roots as apple.Options.Roots (or
// apptest.Options.AppleRoots). Only tests import it.
package appletest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"testing"
	"time"
)

// BundleID is the bundle id the payloads built here name; configure the verifier (APPLE_BUNDLE_ID) with it.
const BundleID = "com.example.homekeep"

// Apple's marker extensions, which package apple requires on the leaf and the intermediate.
var (
	oidLeafMarker         = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 11, 1}
	oidIntermediateMarker = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 2, 1}
)

// CA is a certificate hierarchy shaped like Apple's whose leaf signs tokens.
type CA struct {
	// Roots holds only the root, for apple.Options.Roots.
	Roots *x509.CertPool
	x5c   []string
	key   *ecdsa.PrivateKey
}

// New makes a fresh hierarchy, valid from 2015 to 2045.
func New(t testing.TB) *CA {
	t.Helper()
	notBefore, notAfter := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
	rootKey, interKey, leafKey := newKey(t), newKey(t), newKey(t)
	root := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test Root CA - G3"}, NotBefore: notBefore,
		NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, nil, rootKey, rootKey)
	inter := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test WWDR CA"}, NotBefore: notBefore,
		NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage:        x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExtraExtensions: []pkix.Extension{{Id: oidIntermediateMarker, Value: []byte{0x05, 0x00}}}}, root, interKey, rootKey)
	leaf := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Test App Store Signing"}, NotBefore: notBefore,
		NotAfter: notAfter, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: oidLeafMarker, Value: []byte{0x05, 0x00}}}}, inter, leafKey, interKey)
	roots := x509.NewCertPool()
	roots.AddCert(root)
	return &CA{Roots: roots, key: leafKey, x5c: []string{
		base64.StdEncoding.EncodeToString(leaf.Raw), base64.StdEncoding.EncodeToString(inter.Raw),
		base64.StdEncoding.EncodeToString(root.Raw)}}
}

// Sign returns payload as a JWS the leaf signed, as Apple would.
func (c *CA) Sign(t testing.TB, payload map[string]any) string {
	t.Helper()
	input := encode(t, map[string]any{"alg": "ES256", "x5c": c.x5c}) + "." + encode(t, payload)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, c.key, digest[:])
	if err != nil {
		t.Fatalf("appletest: signing: %v", err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// Transaction is a production JWSTransactionDecodedPayload of an auto-renewable subscription for BundleID:
// originalTransactionId, appAccountToken, signedDate and expiresDate as given. Tests add or change fields
// (revocationDate, say) before signing.
func Transaction(originalTransactionID, appAccountToken string, signedAt, expires time.Time) map[string]any {
	return map[string]any{
		"transactionId":         originalTransactionID + "-" + signedAt.Format("20060102150405"),
		"originalTransactionId": originalTransactionID,
		"bundleId":              BundleID,
		"productId":             "homekeep.pro.monthly",
		"purchaseDate":          signedAt.Add(-time.Minute).UnixMilli(),
		"originalPurchaseDate":  signedAt.Add(-time.Minute).UnixMilli(),
		"expiresDate":           expires.UnixMilli(),
		"quantity":              1,
		"type":                  "Auto-Renewable Subscription",
		"appAccountToken":       appAccountToken,
		"inAppOwnershipType":    "PURCHASED",
		"signedDate":            signedAt.UnixMilli(),
		"environment":           "Production",
		"transactionReason":     "PURCHASE",
	}
}

// Notification is a production ResponseBodyV2DecodedPayload for BundleID carrying signedTransaction.
func Notification(notificationType, subtype, notificationUUID string, signedAt time.Time, signedTransaction string) map[string]any {
	n := map[string]any{
		"notificationType": notificationType,
		"notificationUUID": notificationUUID,
		"version":          "2.0",
		"signedDate":       signedAt.UnixMilli(),
		"data": map[string]any{
			"bundleId": BundleID, "bundleVersion": "1", "environment": "Production", "status": 1,
			"signedTransactionInfo": signedTransaction,
		},
	}
	if subtype != "" {
		n["subtype"] = subtype
	}
	return n
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("appletest: key: %v", err)
	}
	return key
}

// issue signs tmpl for key with parentKey; a nil parent makes it self-signed.
func issue(t testing.TB, tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		t.Fatalf("appletest: serial: %v", err)
	}
	tmpl.SerialNumber = serial
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatalf("appletest: certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("appletest: certificate: %v", err)
	}
	return cert
}

func encode(t testing.TB, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("appletest: encoding: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}
