package google

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/homekeep/homekeep/internal/telemetry"
)

// Defaults for the VerifierOptions a server leaves zero.
const (
	// JWKSURLDefault is where Google publishes the keys that sign its OIDC tokens, Pub/Sub's push tokens
	// among them.
	JWKSURLDefault = "https://www.googleapis.com/oauth2/v3/certs"
	// JWKSMinRefreshDefault is the least time between two fetches of the key set, however many tokens
	// name an unknown key.
	JWKSMinRefreshDefault = time.Minute
	// JWKSMaxAgeDefault is how long a fetched key set is used before it is fetched again.
	JWKSMaxAgeDefault = 6 * time.Hour
	// JWKSTimeoutDefault bounds one fetch of the key set when HTTPClient is nil.
	JWKSTimeoutDefault = 10 * time.Second
	// TokenLeeway is how far the verifier's clock may be behind or ahead of Google's when it checks exp, iat
	// and nbf.
	TokenLeeway = time.Minute
)

// ErrPushRefused means a push's token did not prove that Google's Pub/Sub sent it for this endpoint: the
// endpoint answers 401 or 403. Any other error of Verify (the key set could not be fetched) is the
// server's, and the endpoint answers 5xx so that Pub/Sub pushes again.
var ErrPushRefused = errors.New("google play: push refused")

// googleIssuers are the iss values of Google's OIDC tokens.
var googleIssuers = map[string]bool{"accounts.google.com": true, "https://accounts.google.com": true}

// VerifierOptions configure a PushVerifier. Audience and ServiceAccountEmail are required.
type VerifierOptions struct {
	// Audience is the audience set on the Pub/Sub push subscription (env GOOGLE_PUBSUB_AUDIENCE), often
	// the push endpoint's URL. A token for another audience is refused, so a token Google made for
	// someone else's endpoint cannot be replayed here.
	Audience string
	// ServiceAccountEmail is the service account the push subscription authenticates as (env
	// GOOGLE_PUBSUB_EMAIL). Any Google Cloud user can make Pub/Sub push to this endpoint; only pushes
	// signed for this account come from the publisher's own subscription.
	ServiceAccountEmail string
	// JWKSURL replaces JWKSURLDefault, for tests only.
	JWKSURL string
	// HTTPClient fetches the key set. Nil means a client with JWKSTimeoutDefault as its timeout.
	HTTPClient *http.Client
	// Now is the clock tokens are checked against, for tests. Nil means time.Now.
	Now func() time.Time
	// MinRefresh replaces JWKSMinRefreshDefault.
	MinRefresh time.Duration
}

// PushVerifier checks the OIDC token Pub/Sub puts in a push's Authorization header: an RS256 JWT signed
// by one of Google's published keys, issued by accounts.google.com for Audience, for the verified
// ServiceAccountEmail, and not expired. It is safe for concurrent use.
type PushVerifier struct {
	audience string
	email    string
	now      func() time.Time
	keys     *keySet
	parser   *jwt.Parser
}

// NewPushVerifier returns a PushVerifier for o, or an error naming the option that is wrong. An operator
// who sets no audience uses SecretPath instead.
func NewPushVerifier(o VerifierOptions) (*PushVerifier, error) {
	if o.Audience == "" {
		return nil, errors.New("google play: Audience (GOOGLE_PUBSUB_AUDIENCE) is required to verify pushes; without it, use a secret path")
	}
	if o.ServiceAccountEmail == "" || !strings.Contains(o.ServiceAccountEmail, "@") {
		return nil, fmt.Errorf("google play: ServiceAccountEmail (GOOGLE_PUBSUB_EMAIL) %.100q is not the push subscription's service account", o.ServiceAccountEmail)
	}
	if o.JWKSURL == "" {
		o.JWKSURL = JWKSURLDefault
	}
	if u, err := url.Parse(o.JWKSURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("google play: JWKSURL is not an https URL")
	}
	if o.HTTPClient == nil {
		o.HTTPClient = telemetry.WrapClient(&http.Client{Timeout: JWKSTimeoutDefault})
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MinRefresh <= 0 {
		o.MinRefresh = JWKSMinRefreshDefault
	}
	return &PushVerifier{
		audience: o.Audience,
		email:    o.ServiceAccountEmail,
		now:      o.Now,
		keys: &keySet{
			url: o.JWKSURL, client: o.HTTPClient, now: o.Now,
			minRefresh: o.MinRefresh, maxAge: JWKSMaxAgeDefault,
		},
		parser: jwt.NewParser(
			// Only RS256: a token signed "none", or HS256 with the public key as its secret, is refused
			// before any key is looked at.
			jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(TokenLeeway),
			jwt.WithTimeFunc(o.Now),
		),
	}, nil
}

// pushClaims are the claims of Pub/Sub's push token.
type pushClaims struct {
	jwt.RegisteredClaims

	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
}

// Verify checks the Authorization header of a push ("Bearer <JWT>"). A token that does not prove the
// push is ErrPushRefused (the reason wrapped with it); any other error means the key set could not be
// fetched. Errors never repeat the token.
func (v *PushVerifier) Verify(ctx context.Context, authorization string) error {
	scheme, raw, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return fmt.Errorf("%w: no bearer token", ErrPushRefused)
	}
	var fetchErr error
	claims := &pushClaims{}
	_, err := v.parser.ParseWithClaims(strings.TrimSpace(raw), claims, func(t *jwt.Token) (any, error) {
		if _, ok := t.Method.(*jwt.SigningMethodRSA); !ok {
			return nil, errors.New("not an RSA signature")
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no key id")
		}
		key, err := v.keys.key(ctx, kid)
		if err != nil && !errors.Is(err, errUnknownKey) {
			fetchErr = err
		}
		return key, err
	})
	switch {
	case fetchErr != nil:
		return fmt.Errorf("google play: verifying a push: %w", fetchErr)
	case err != nil:
		return fmt.Errorf("%w: %w", ErrPushRefused, err)
	}
	switch {
	case !googleIssuers[claims.Issuer]:
		return fmt.Errorf("%w: issuer %.80q is not Google's", ErrPushRefused, claims.Issuer)
	case len(claims.Audience) != 1 || claims.Audience[0] != v.audience:
		return fmt.Errorf("%w: audience %.200q is not %q", ErrPushRefused, strings.Join(claims.Audience, " "), v.audience)
	case claims.Email != v.email:
		return fmt.Errorf("%w: email %.100q is not the push subscription's service account", ErrPushRefused, claims.Email)
	case !claims.EmailVerified:
		return fmt.Errorf("%w: email not verified", ErrPushRefused)
	}
	return nil
}

// VerifyRequest checks r's Authorization header; see Verify.
func (v *PushVerifier) VerifyRequest(r *http.Request) error {
	return v.Verify(r.Context(), r.Header.Get("Authorization"))
}
