package google

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// Identity of the test's push subscription.
const (
	testAudience    = "https://homekeep.test/v1/store/google/notifications"
	testPushAccount = "rtdn-push@homekeep-test.iam.gserviceaccount.com"
)

// signingKey is one of Google's token-signing keys in the test.
type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

func newSigningKey(t *testing.T, kid string) signingKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return signingKey{kid: kid, key: key}
}

// jwksServer is an HTTPS server started by a test that publishes a JSON Web Key Set, as
// www.googleapis.com/oauth2/v3/certs does, and counts how often it is fetched.
type jwksServer struct {
	*httptest.Server

	mu      sync.Mutex
	keys    []signingKey
	fetches int
	status  int
}

func startJWKS(t *testing.T, keys ...signingKey) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys, status: http.StatusOK}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches++
	if s.status != http.StatusOK {
		w.WriteHeader(s.status)
		return
	}
	type jwk struct {
		Kty string `json:"kty"`
		Alg string `json:"alg"`
		Use string `json:"use"`
		Kid string `json:"kid"`
		N   string `json:"n"`
		E   string `json:"e"`
	}
	doc := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, k := range s.keys {
		doc.Keys = append(doc.Keys, jwk{
			Kty: "RSA", Alg: "RS256", Use: "sig", Kid: k.kid,
			N: base64.RawURLEncoding.EncodeToString(k.key.N.Bytes()),
			E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.key.E)).Bytes()),
		})
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(doc)
}

// publish replaces the keys served, as Google does when it rotates them.
func (s *jwksServer) publish(keys ...signingKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func (s *jwksServer) fail(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

func (s *jwksServer) fetched() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

// testClock is a clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// pushClaimsAt are the claims of a valid push token issued at now.
func pushClaimsAt(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":            "https://accounts.google.com",
		"aud":            testAudience,
		"azp":            "113774264463038321964",
		"sub":            "113774264463038321964",
		"email":          testPushAccount,
		"email_verified": true,
		"iat":            now.Unix(),
		"exp":            now.Add(time.Hour).Unix(),
	}
}

// sign returns "Bearer " and claims signed with k, with edit applied to the claims first.
func sign(t *testing.T, k signingKey, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = k.kid
	s, err := tok.SignedString(k.key)
	require.NoError(t, err)
	return "Bearer " + s
}

func TestPushVerifier(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		clock    *testClock
		current  signingKey
		jwks     *jwksServer
		verifier *PushVerifier
	}
	setup := func(t *testing.T) *testBundle {
		t.Helper()
		clock := &testClock{now: time.Date(2026, 11, 29, 16, 0, 0, 0, time.UTC)}
		current := newSigningKey(t, "google-key-1")
		jwks := startJWKS(t, current)
		v, err := NewPushVerifier(VerifierOptions{
			Audience:            testAudience,
			ServiceAccountEmail: testPushAccount,
			JWKSURL:             jwks.URL + "/oauth2/v3/certs",
			HTTPClient:          jwks.Client(),
			Now:                 clock.Now,
		})
		require.NoError(t, err)
		return &testBundle{clock: clock, current: current, jwks: jwks, verifier: v}
	}

	t.Run("AcceptsAValidToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		require.NoError(t, b.verifier.Verify(context.Background(), sign(t, b.current, pushClaimsAt(b.clock.Now()))))
		require.NoError(t, b.verifier.Verify(context.Background(), sign(t, b.current, pushClaimsAt(b.clock.Now()))))
		require.Equal(t, 1, b.jwks.fetched(), "key set fetches for two tokens")
	})

	t.Run("AcceptsTheIssuerWithoutScheme", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		claims := pushClaimsAt(b.clock.Now())
		claims["iss"] = "accounts.google.com"
		require.NoError(t, b.verifier.Verify(context.Background(), sign(t, b.current, claims)))
	})

	t.Run("AcceptsATokenWithinTheLeeway", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		claims := pushClaimsAt(b.clock.Now().Add(-time.Hour - 30*time.Second)) // expired 30 s ago
		require.NoError(t, b.verifier.Verify(context.Background(), sign(t, b.current, claims)))
	})

	t.Run("AcceptsTheRequestsHeader", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		r := httptest.NewRequestWithContext(context.Background(), http.MethodPost, testAudience, nil)
		r.Header.Set("Authorization", sign(t, b.current, pushClaimsAt(b.clock.Now())))
		require.NoError(t, b.verifier.VerifyRequest(r))
	})

	refusals := []struct {
		name    string
		wantErr string
		// token returns the Authorization header to refuse.
		token func(t *testing.T, b *testBundle) string
	}{
		{name: "NoHeader", wantErr: "no bearer token", token: func(*testing.T, *testBundle) string { return "" }},
		{name: "NotBearer", wantErr: "no bearer token", token: func(t *testing.T, b *testBundle) string {
			return "Basic " + sign(t, b.current, pushClaimsAt(b.clock.Now()))[len("Bearer "):]
		}},
		{name: "NotAJWT", wantErr: "malformed", token: func(*testing.T, *testBundle) string { return "Bearer not-a-jwt" }},
		{name: "WrongSignature", wantErr: "verification error", token: func(t *testing.T, b *testBundle) string {
			forger := newSigningKey(t, b.current.kid) // the right kid, someone else's key
			return sign(t, forger, pushClaimsAt(b.clock.Now()))
		}},
		{name: "TamperedClaims", wantErr: "verification error", token: func(t *testing.T, b *testBundle) string {
			// A valid token whose payload is swapped for one naming another audience, signature kept.
			parts := strings.Split(sign(t, b.current, pushClaimsAt(b.clock.Now())), ".")
			claims := pushClaimsAt(b.clock.Now())
			claims["aud"] = "https://someone-else.example/push"
			payload, err := json.Marshal(claims)
			require.NoError(t, err)
			parts[1] = base64.RawURLEncoding.EncodeToString(payload)
			return strings.Join(parts, ".")
		}},
		{name: "UnknownKid", wantErr: "not in Google's key set", token: func(t *testing.T, b *testBundle) string {
			return sign(t, newSigningKey(t, "made-up-kid"), pushClaimsAt(b.clock.Now()))
		}},
		{name: "NoKid", wantErr: "no key id", token: func(t *testing.T, b *testBundle) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS256, pushClaimsAt(b.clock.Now()))
			s, err := tok.SignedString(b.current.key)
			require.NoError(t, err)
			return "Bearer " + s
		}},
		{name: "WrongAudience", wantErr: "audience", token: func(t *testing.T, b *testBundle) string {
			claims := pushClaimsAt(b.clock.Now())
			claims["aud"] = "https://someone-else.example/push"
			return sign(t, b.current, claims)
		}},
		{name: "TwoAudiences", wantErr: "audience", token: func(t *testing.T, b *testBundle) string {
			claims := pushClaimsAt(b.clock.Now())
			claims["aud"] = []string{testAudience, "https://someone-else.example/push"}
			return sign(t, b.current, claims)
		}},
		{name: "WrongIssuer", wantErr: "issuer", token: func(t *testing.T, b *testBundle) string {
			claims := pushClaimsAt(b.clock.Now())
			claims["iss"] = "https://evil.example.com"
			return sign(t, b.current, claims)
		}},
		{name: "NoIssuer", wantErr: "issuer", token: func(t *testing.T, b *testBundle) string {
			claims := pushClaimsAt(b.clock.Now())
			delete(claims, "iss")
			return sign(t, b.current, claims)
		}},
		{name: "WrongEmail", wantErr: "is not the push subscription", token: func(t *testing.T, b *testBundle) string {
			claims := pushClaimsAt(b.clock.Now())
			claims["email"] = "someone@other-project.iam.gserviceaccount.com"
			return sign(t, b.current, claims)
		}},
		{name: "EmailNotVerified", wantErr: "email not verified", token: func(t *testing.T, b *testBundle) string {
			claims := pushClaimsAt(b.clock.Now())
			claims["email_verified"] = false
			return sign(t, b.current, claims)
		}},
		{name: "EmailVerifiedMissing", wantErr: "email not verified", token: func(t *testing.T, b *testBundle) string {
			claims := pushClaimsAt(b.clock.Now())
			delete(claims, "email_verified")
			return sign(t, b.current, claims)
		}},
		{name: "Expired", wantErr: "expired", token: func(t *testing.T, b *testBundle) string {
			return sign(t, b.current, pushClaimsAt(b.clock.Now().Add(-time.Hour-2*time.Minute)))
		}},
		{name: "NoExpiry", wantErr: "exp claim is required", token: func(t *testing.T, b *testBundle) string {
			claims := pushClaimsAt(b.clock.Now())
			delete(claims, "exp")
			return sign(t, b.current, claims)
		}},
		{name: "IssuedInTheFuture", wantErr: "before issued", token: func(t *testing.T, b *testBundle) string {
			return sign(t, b.current, pushClaimsAt(b.clock.Now().Add(10*time.Minute)))
		}},
		{name: "AlgNone", wantErr: "signing method none is invalid", token: func(t *testing.T, b *testBundle) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodNone, pushClaimsAt(b.clock.Now()))
			tok.Header["kid"] = b.current.kid
			s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
			require.NoError(t, err)
			return "Bearer " + s
		}},
		{name: "HS256WithThePublicKeyAsSecret", wantErr: "signing method HS256 is invalid", token: func(t *testing.T, b *testBundle) string {
			der, err := x509.MarshalPKIXPublicKey(&b.current.key.PublicKey)
			require.NoError(t, err)
			tok := jwt.NewWithClaims(jwt.SigningMethodHS256, pushClaimsAt(b.clock.Now()))
			tok.Header["kid"] = b.current.kid
			s, err := tok.SignedString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
			require.NoError(t, err)
			return "Bearer " + s
		}},
		{name: "RS512", wantErr: "signing method RS512 is invalid", token: func(t *testing.T, b *testBundle) string {
			tok := jwt.NewWithClaims(jwt.SigningMethodRS512, pushClaimsAt(b.clock.Now()))
			tok.Header["kid"] = b.current.kid
			s, err := tok.SignedString(b.current.key)
			require.NoError(t, err)
			return "Bearer " + s
		}},
	}
	for _, tt := range refusals {
		t.Run("Refuses"+tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			authorization := tt.token(t, b)

			err := b.verifier.Verify(context.Background(), authorization)
			require.ErrorIs(t, err, ErrPushRefused)
			require.ErrorContains(t, err, tt.wantErr)
			if len(authorization) > len("Bearer ") {
				require.NotContains(t, err.Error(), authorization[len("Bearer "):], "the error repeats the token")
			}
		})
	}

	t.Run("FetchesRotatedKeysOnceAndRefusesUnknownKidsWithoutFetching", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := context.Background()
		require.NoError(t, b.verifier.Verify(ctx, sign(t, b.current, pushClaimsAt(b.clock.Now()))))
		require.Equal(t, 1, b.jwks.fetched(), "key set fetches")

		// A kid Google never published, within the minimum interval of the first fetch: refused without
		// asking Google again.
		stranger := newSigningKey(t, "made-up-kid")
		err := b.verifier.Verify(ctx, sign(t, stranger, pushClaimsAt(b.clock.Now())))
		require.ErrorIs(t, err, ErrPushRefused)
		require.Equal(t, 1, b.jwks.fetched(), "key set fetches after an unknown kid within the minimum interval")

		// Google rotates: the new key signs, the old one is still published for a while.
		b.clock.advance(JWKSMinRefreshDefault + time.Second)
		next := newSigningKey(t, "google-key-2")
		b.jwks.publish(next, b.current)
		for range 3 {
			require.NoError(t, b.verifier.Verify(ctx, sign(t, next, pushClaimsAt(b.clock.Now()))), "a token of the rotated-in key")
		}
		require.Equal(t, 2, b.jwks.fetched(), "key set fetches after the rotation")
		require.NoError(t, b.verifier.Verify(ctx, sign(t, b.current, pushClaimsAt(b.clock.Now()))), "a token of the old key still published")

		// Unknown kids right after the rotation's fetch cost nothing more.
		for range 5 {
			require.ErrorIs(t, b.verifier.Verify(ctx, sign(t, stranger, pushClaimsAt(b.clock.Now()))), ErrPushRefused)
		}
		require.Equal(t, 2, b.jwks.fetched(), "key set fetches after a burst of unknown kids")
	})

	t.Run("ConcurrentUnknownKidsShareOneFetch", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := context.Background()
		require.NoError(t, b.verifier.Verify(ctx, sign(t, b.current, pushClaimsAt(b.clock.Now()))))
		b.clock.advance(JWKSMinRefreshDefault + time.Second)
		next := newSigningKey(t, "google-key-2")
		b.jwks.publish(next)
		token := sign(t, next, pushClaimsAt(b.clock.Now()))

		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() { errs[i] = b.verifier.Verify(ctx, token) })
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "verification %d", i)
		}
		require.Equal(t, 2, b.jwks.fetched(), "key set fetches for eight concurrent tokens of a new key")
	})

	t.Run("RefetchesAnOldKeySet", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := context.Background()
		require.NoError(t, b.verifier.Verify(ctx, sign(t, b.current, pushClaimsAt(b.clock.Now()))))
		b.clock.advance(JWKSMaxAgeDefault + time.Second)
		require.NoError(t, b.verifier.Verify(ctx, sign(t, b.current, pushClaimsAt(b.clock.Now()))))
		require.Equal(t, 2, b.jwks.fetched(), "key set fetches once the cached set is older than its maximum age")
	})

	t.Run("UnreachableKeySetIsNotARefusal", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.jwks.fail(http.StatusServiceUnavailable)

		for i := range 2 {
			err := b.verifier.Verify(context.Background(), sign(t, b.current, pushClaimsAt(b.clock.Now())))
			require.Error(t, err)
			require.NotErrorIs(t, err, ErrPushRefused, "verification %d: a push Google may resend must not be refused for good", i)
		}
		require.Equal(t, 1, b.jwks.fetched(), "key set fetches within the minimum interval")

		b.jwks.fail(http.StatusOK)
		b.clock.advance(JWKSMinRefreshDefault + time.Second)
		require.NoError(t, b.verifier.Verify(context.Background(), sign(t, b.current, pushClaimsAt(b.clock.Now()))), "once the key set is back")
	})

	t.Run("KeepsKnownKeysWhileTheKeySetIsUnreachable", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := context.Background()
		require.NoError(t, b.verifier.Verify(ctx, sign(t, b.current, pushClaimsAt(b.clock.Now()))))
		b.jwks.fail(http.StatusInternalServerError)
		b.clock.advance(JWKSMaxAgeDefault + time.Second)

		require.NoError(t, b.verifier.Verify(ctx, sign(t, b.current, pushClaimsAt(b.clock.Now()))))
		require.Equal(t, 2, b.jwks.fetched(), "key set fetches")
	})
}

func TestNewPushVerifier_RefusesBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    VerifierOptions
		wantErr string
	}{
		{name: "NoAudience", opts: VerifierOptions{ServiceAccountEmail: testPushAccount}, wantErr: "Audience (GOOGLE_PUBSUB_AUDIENCE) is required"},
		{name: "NoEmail", opts: VerifierOptions{Audience: testAudience}, wantErr: "ServiceAccountEmail (GOOGLE_PUBSUB_EMAIL)"},
		{name: "PlainHTTPKeySet", opts: VerifierOptions{Audience: testAudience, ServiceAccountEmail: testPushAccount, JWKSURL: "http://example.com/certs"}, wantErr: "JWKSURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := NewPushVerifier(tt.opts)
			require.Nil(t, v)
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
