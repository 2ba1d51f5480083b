package google

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// maxJWKS bounds how much of a key set is read: Google's has two or three keys, about 1.5 kB.
const maxJWKS = 256 << 10

// minRSABits is the smallest RSA modulus a key set may offer; Google's keys have 2048 bits.
const minRSABits = 2048

// errUnknownKey means the token's kid is in neither the cached key set nor a fresh one.
var errUnknownKey = errors.New("the token's key id is not in Google's key set")

// keySet caches Google's JSON Web Key Set. It fetches it on first use, again when it is older than maxAge,
// and again when a token names a key it does not have (Google rotates its keys every few weeks and
// publishes the next one in advance), but never twice within minRefresh, so that tokens with made-up key
// ids cannot make it hammer Google.
type keySet struct {
	url        string
	client     *http.Client
	now        func() time.Time
	minRefresh time.Duration
	maxAge     time.Duration

	mu          sync.Mutex
	keys        map[string]*rsa.PublicKey
	fetchedAt   time.Time // of the keys held
	attemptedAt time.Time // of the last fetch, successful or not
	lastErr     error     // of the last fetch; nil when it succeeded
}

// key returns the public key with id kid. A fetch happens under the lock, so concurrent requests for an
// unknown key share one.
func (s *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	k, known := s.keys[kid]
	fresh := s.keys != nil && now.Sub(s.fetchedAt) < s.maxAge
	if known && fresh {
		return k, nil
	}
	if !s.attemptedAt.IsZero() && now.Sub(s.attemptedAt) < s.minRefresh {
		switch {
		case known:
			return k, nil
		case s.lastErr != nil:
			// Whether Google has the key is unknown until a fetch succeeds: not a refusal.
			return nil, s.lastErr
		default:
			return nil, errUnknownKey
		}
	}
	s.attemptedAt = now
	keys, err := s.fetch(ctx)
	s.lastErr = err
	if err != nil {
		if known {
			// Google's keys live for weeks; a key already held is better than refusing every push while
			// the key set cannot be fetched.
			return k, nil
		}
		return nil, err
	}
	s.keys, s.fetchedAt = keys, now
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, errUnknownKey
}

// jwk is one key of a key set; only RSA signing keys are used.
type jwk struct {
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// fetch downloads and decodes the key set. A key set without a usable key is an error, so that a broken
// answer does not replace good cached keys.
func (s *keySet) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("building the key set request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("fetching Google's key set: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching Google's key set: answered %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKS))
	if err != nil {
		return nil, fmt.Errorf("reading Google's key set: %w", err)
	}
	var doc struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decoding Google's key set: %w", err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range doc.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "RS256") {
			continue
		}
		pub, err := rsaKey(k)
		if err != nil {
			continue
		}
		keys[k.Kid] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("decoding Google's key set: it has no RS256 signing key")
	}
	return keys, nil
}

// rsaKey decodes a JWK's modulus and exponent.
func rsaKey(k jwk) (*rsa.PublicKey, error) {
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	if err != nil {
		return nil, fmt.Errorf("key %q: modulus: %w", k.Kid, err)
	}
	e, err := base64.RawURLEncoding.DecodeString(k.E)
	if err != nil {
		return nil, fmt.Errorf("key %q: exponent: %w", k.Kid, err)
	}
	modulus := new(big.Int).SetBytes(n)
	exponent := new(big.Int).SetBytes(e)
	if modulus.BitLen() < minRSABits {
		return nil, fmt.Errorf("key %q: modulus of %d bits, want at least %d", k.Kid, modulus.BitLen(), minRSABits)
	}
	if !exponent.IsInt64() || exponent.Int64() < 3 || exponent.Int64() > 1<<31-1 || exponent.Bit(0) == 0 {
		return nil, fmt.Errorf("key %q: unusable exponent", k.Kid)
	}
	return &rsa.PublicKey{N: modulus, E: int(exponent.Int64())}, nil
}
