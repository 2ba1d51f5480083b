package webpush

import (
	"crypto/ecdh"
	"errors"
	"fmt"
	"net/url"
)

// authSecretLen is the length of a subscription's auth secret (RFC 8291, section 3.2).
const authSecretLen = 16

// ValidateSubscription checks a browser's PushSubscription before it is stored or used: endpoint an https
// URL, p256dh an uncompressed P-256 point and auth a 16-byte secret, both base64url. A subscription that
// fails can never be sent to, so registration should refuse it rather than store it. Errors never include
// the endpoint or the keys, which are the device's credentials.
func ValidateSubscription(endpoint, p256dh, auth string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return errors.New("subscription endpoint is not a URL")
	}
	if u.Scheme != "https" || u.Host == "" {
		return errors.New("subscription endpoint is not an https URL")
	}
	pub, err := decodeBase64(p256dh)
	if err != nil {
		return errors.New("subscription p256dh is not base64url")
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return fmt.Errorf("subscription p256dh is not an uncompressed P-256 point (%d bytes, want 65)", len(pub))
	}
	secret, err := decodeBase64(auth)
	if err != nil {
		return errors.New("subscription auth is not base64url")
	}
	if len(secret) != authSecretLen {
		return fmt.Errorf("subscription auth is %d bytes, want %d", len(secret), authSecretLen)
	}
	return nil
}
