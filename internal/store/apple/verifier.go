package apple

import (
	"crypto/x509"
	"errors"
	"fmt"
)

// Environment is the App Store environment a payload comes from, as Apple spells it.
type Environment string

// The environments Apple names. Only Production and Sandbox are signed by Apple; Xcode and LocalTesting
// come from a developer's own StoreKit testing and are always refused.
const (
	EnvironmentProduction   Environment = "Production"
	EnvironmentSandbox      Environment = "Sandbox"
	EnvironmentXcode        Environment = "Xcode"
	EnvironmentLocalTesting Environment = "LocalTesting"
)

// Options configures a Verifier.
type Options struct {
	// BundleID is the app's bundle identifier ("com.example.homekeep"); every payload must name it.
	// Required.
	BundleID string
	// AppAppleID is the app's Apple ID in App Store Connect (a number). When set, a production
	// notification must name it; Apple leaves it out of sandbox notifications, so those are not checked.
	// Zero skips the check.
	AppAppleID int64
	// AllowSandbox accepts payloads from the Sandbox environment: TestFlight and App Review buy there, even
	// against the production server, so a production deployment that refuses Sandbox fails App Review's
	// purchase test. Sandbox purchases cost nothing, so the caller decides per Change.Environment what they
	// grant. The zero value refuses Sandbox.
	AllowSandbox bool
	// Roots replaces the pinned Apple Root CA - G3, for tests that sign tokens with their own CA. Nil (the
	// only value outside tests) means the pinned root.
	Roots *x509.CertPool
}

// Verifier checks App Store signed data against its Options. It is safe for concurrent use.
type Verifier struct {
	bundleID     string
	appAppleID   int64
	allowSandbox bool
	roots        *x509.CertPool
}

// New returns a Verifier for opts, or an error naming the option that is wrong.
func New(opts Options) (*Verifier, error) {
	if opts.BundleID == "" {
		return nil, errors.New("apple: Options.BundleID is required")
	}
	if opts.AppAppleID < 0 {
		return nil, fmt.Errorf("apple: Options.AppAppleID is %d, want a positive App Apple ID or 0", opts.AppAppleID)
	}
	roots := opts.Roots
	if roots == nil {
		var err error
		if roots, err = appleRoots(); err != nil {
			return nil, err
		}
	}
	return &Verifier{
		bundleID:     opts.BundleID,
		appAppleID:   opts.AppAppleID,
		allowSandbox: opts.AllowSandbox,
		roots:        roots,
	}, nil
}

// checkBundle refuses a payload for another app.
func (v *Verifier) checkBundle(bundleID string) error {
	if bundleID != v.bundleID {
		return fmt.Errorf("%w: bundleId %s, want %q", ErrBundle, clip(bundleID), v.bundleID)
	}
	return nil
}

// checkEnvironment accepts Production always, Sandbox when allowed, and nothing else.
func (v *Verifier) checkEnvironment(env Environment) error {
	switch env {
	case EnvironmentProduction:
		return nil
	case EnvironmentSandbox:
		if v.allowSandbox {
			return nil
		}
		return fmt.Errorf("%w: Sandbox is switched off (Options.AllowSandbox)", ErrEnvironment)
	case EnvironmentXcode, EnvironmentLocalTesting:
		return fmt.Errorf("%w: %s is signed by a developer's machine, not by Apple", ErrEnvironment, env)
	default:
		return fmt.Errorf("%w: unknown environment %s", ErrEnvironment, clip(string(env)))
	}
}

// clip quotes a value taken from a payload for an error message, cut to 64 bytes so that a hostile payload
// cannot fill a log line.
func clip(s string) string {
	const maxLen = 64
	if len(s) > maxLen {
		return fmt.Sprintf("%q…", s[:maxLen])
	}
	return fmt.Sprintf("%q", s)
}
