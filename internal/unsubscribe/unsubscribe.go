// Package unsubscribe signs and checks the links in notification emails that switch one kind of email off
// without signing in. A link names the user, the kind and an expiry, and carries an HMAC-SHA256 of them under
// a key every process shares (server_secrets, made on first use), so it cannot be forged or changed to
// another user or kind, and stops working when it expires.
package unsubscribe

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lifetime is how long a link works: long enough for an email read weeks later, short enough that an old
// mailbox leaked years later is not a way to change the account.
const Lifetime = 60 * 24 * time.Hour

// keyName is the key's name in server_secrets.
const keyName = "unsubscribe_hmac"

// ErrInvalid is a token that is malformed, signed with another key or changed.
var ErrInvalid = errors.New("the unsubscribe link is not valid")

// ErrExpired is a genuine token past its expiry.
var ErrExpired = errors.New("the unsubscribe link has expired")

// KeyStore returns the stored secret named name, storing value as it when none is stored yet (the first
// process to ask decides); see delivery.SecretStore.
type KeyStore func(ctx context.Context, name string, value []byte) ([]byte, error)

// Signer makes and checks tokens. It loads the key on first use and keeps it.
type Signer struct {
	store KeyStore
	mu    sync.Mutex
	key   []byte
}

// New returns a Signer whose key comes from store.
func New(store KeyStore) *Signer { return &Signer{store: store} }

// NewWithKey returns a Signer with a fixed key, for tests.
func NewWithKey(key []byte) *Signer { return &Signer{key: key} }

// Claims is what a token says.
type Claims struct {
	UserID  int64
	Kind    string
	Expires time.Time
}

// Token signs c. The token is URL-safe: v1.<user>.<kind>.<expiry unix>.<mac>.
func (s *Signer) Token(ctx context.Context, c Claims) (string, error) {
	key, err := s.loadKey(ctx)
	if err != nil {
		return "", err
	}
	payload := "v1." + strconv.FormatInt(c.UserID, 10) + "." + c.Kind + "." + strconv.FormatInt(c.Expires.Unix(), 10)
	return payload + "." + mac(key, payload), nil
}

// Check returns the claims of a token signed by this server: ErrInvalid when it is not one, ErrExpired when
// it was but has expired at now.
func (s *Signer) Check(ctx context.Context, token string, now time.Time) (Claims, error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || len(token) > 200 {
		return Claims{}, ErrInvalid
	}
	payload, sig := token[:i], token[i+1:]
	key, err := s.loadKey(ctx)
	if err != nil {
		return Claims{}, err
	}
	if !hmac.Equal([]byte(sig), []byte(mac(key, payload))) {
		return Claims{}, ErrInvalid
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 4 || parts[0] != "v1" {
		return Claims{}, ErrInvalid
	}
	uid, err1 := strconv.ParseInt(parts[1], 10, 64)
	exp, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil {
		return Claims{}, ErrInvalid
	}
	c := Claims{UserID: uid, Kind: parts[2], Expires: time.Unix(exp, 0).UTC()}
	if !now.Before(c.Expires) {
		return c, ErrExpired
	}
	return c, nil
}

// mac is the token's signature of payload: the first 16 bytes of HMAC-SHA256, base64url.
func mac(key []byte, payload string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

// loadKey returns the key, loading (or making and storing) it on first use. A failed load is tried again
// by the next call.
func (s *Signer) loadKey(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh) // crypto/rand.Read never fails (Go 1.24+)
	key, err := s.store(ctx, keyName, fresh)
	if err != nil {
		return nil, fmt.Errorf("error loading the unsubscribe link key: %w", err)
	}
	if len(key) < 32 {
		return nil, errors.New("error loading the unsubscribe link key: the stored key is too short")
	}
	s.key = key
	return key, nil
}
