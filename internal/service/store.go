package service

import (
	"crypto/x509"
	"fmt"
	"net/http"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/store/apple"
	"github.com/homekeep/homekeep/internal/store/google"
)

// newAppleVerifier builds the verifier of App Store signed data from the configuration, or nil when
// APPLE_BUNDLE_ID is unset (Apple purchases off). roots, when not nil, replaces Apple's pinned root (tests
// sign their tokens with their own CA).
func newAppleVerifier(cfg config.Apple, roots *x509.CertPool) (*apple.Verifier, error) {
	if cfg.BundleID == "" {
		return nil, nil //nolint:nilnil // nil is the documented "off"
	}
	v, err := apple.New(apple.Options{BundleID: cfg.BundleID, AppAppleID: cfg.AppAppleID,
		AllowSandbox: cfg.AllowSandbox, Roots: roots})
	if err != nil {
		return nil, fmt.Errorf("APPLE_BUNDLE_ID: %w", err)
	}
	return v, nil
}

// GoogleEndpoints replaces Google's servers, for tests: the Android Publisher API (BaseURL; the token
// endpoint is the credentials' token_uri), the key set Pub/Sub's tokens are checked against (JWKSURL) and the
// client that reaches both (a test TLS server's).
type GoogleEndpoints struct {
	BaseURL    string
	JWKSURL    string
	HTTPClient *http.Client
}

// googleStore is what the Google Play configuration builds: nil fields are off.
type googleStore struct {
	client *google.Client
	push   *google.PushVerifier
	secret *google.SecretPath
}

// newGoogleStore builds the Google Play client and push authentication from the configuration; with no
// package name everything is nil (Google purchases off). ends, when not nil, replaces Google's servers.
func newGoogleStore(cfg config.Google, ends *GoogleEndpoints) (googleStore, error) {
	var g googleStore
	if !cfg.On() {
		return g, nil
	}
	if ends == nil {
		ends = &GoogleEndpoints{}
	}
	var err error
	g.client, err = google.New(google.Options{CredentialsJSON: cfg.Credentials, PackageName: cfg.PackageName,
		BaseURL: ends.BaseURL, HTTPClient: ends.HTTPClient})
	if err != nil {
		return g, fmt.Errorf("GOOGLE_PLAY_*: %w", err)
	}
	if cfg.PubSubAudience != "" {
		g.push, err = google.NewPushVerifier(google.VerifierOptions{Audience: cfg.PubSubAudience,
			ServiceAccountEmail: cfg.PubSubEmail, JWKSURL: ends.JWKSURL, HTTPClient: ends.HTTPClient})
		if err != nil {
			return g, fmt.Errorf("GOOGLE_PUBSUB_*: %w", err)
		}
	}
	if cfg.PubSubSecret != "" {
		g.secret, err = google.NewSecretPath(cfg.PubSubSecret)
		if err != nil {
			return g, fmt.Errorf("GOOGLE_PUBSUB_SECRET: %w", err)
		}
	}
	return g, nil
}
