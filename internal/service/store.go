package service

import (
	"crypto/x509"
	"fmt"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/store/apple"
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
