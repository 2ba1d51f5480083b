package webpush

import (
	"bytes"
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	webpushgo "github.com/SherClockHolmes/webpush-go"
)

// Keys is the server's VAPID key pair (RFC 8292): the push service checks every request's JWT against the
// public key the browser subscribed with, so the server must keep one pair for as long as its subscriptions
// live. Both halves are unpadded base64url, as webpush-go's GenerateVAPIDKeys returns them: Public is the
// uncompressed P-256 point (65 bytes, what a web client passes to pushManager.subscribe as
// applicationServerKey), Private the 32-byte scalar.
type Keys struct {
	Public  string
	Private string
}

// GenerateKeys makes a new VAPID key pair, for a server that has none stored yet. Generating a new pair
// for a server that had one orphans every existing subscription.
func GenerateKeys() (Keys, error) {
	private, public, err := webpushgo.GenerateVAPIDKeys()
	if err != nil {
		return Keys{}, fmt.Errorf("generating a VAPID key pair: %w", err)
	}
	return Keys{Public: public, Private: private}, nil
}

// ParseKeys checks that public and private (base64url, padded or not; standard base64 is accepted too) are
// one P-256 key pair, the private scalar's point being the public key, and returns them unpadded base64url.
// A mismatched pair would sign JWTs that every push service refuses, which is better found at start-up.
// Errors never include the keys.
func ParseKeys(public, private string) (Keys, error) {
	pub, err := decodeBase64(public)
	if err != nil {
		return Keys{}, errors.New("VAPID public key: not base64url")
	}
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return Keys{}, fmt.Errorf("VAPID public key: not an uncompressed P-256 point (%d bytes, want 65)", len(pub))
	}
	priv, err := decodeBase64(private)
	if err != nil {
		return Keys{}, errors.New("VAPID private key: not base64url")
	}
	key, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return Keys{}, fmt.Errorf("VAPID private key: not a P-256 scalar (%d bytes, want 32)", len(priv))
	}
	if !bytes.Equal(key.PublicKey().Bytes(), pub) {
		return Keys{}, errors.New("VAPID keys: the public key is not the private key's (the two come from different pairs)")
	}
	return Keys{
		Public:  base64.RawURLEncoding.EncodeToString(pub),
		Private: base64.RawURLEncoding.EncodeToString(priv),
	}, nil
}

// decodeBase64 reads base64url or standard base64, with or without padding: keys arrive in every one of
// these from browsers and key generators.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	if s == "" {
		return nil, errors.New("empty")
	}
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decoding base64: %w", err)
	}
	return b, nil
}
