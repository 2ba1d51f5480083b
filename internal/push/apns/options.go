package apns

import (
	"crypto/x509"
	"errors"
	"log/slog"
	"time"
)

// Defaults for the Options fields left zero.
const (
	// ConcurrencyDefault is how many pushes one Send has in flight at once: enough to hide APNs' round trip,
	// few enough that one big Send does not look like a flood from one provider token.
	ConcurrencyDefault = 8
	// ExpirationDefault is how long APNs keeps trying to reach a device that is offline. A reminder a day old
	// is stale, and a later push about the same item replaces it anyway (apns-collapse-id).
	ExpirationDefault = 24 * time.Hour
	// TimeoutDefault bounds one push (connection, request and reply) when the caller's context has no
	// earlier deadline, so a stalled connection costs one attempt, not the whole delivery job.
	TimeoutDefault = 10 * time.Second
)

// Options configure a Sender. Key, KeyID, TeamID and Topic are required.
type Options struct {
	// Concurrency is how many pushes one Send has in flight at once; zero means ConcurrencyDefault.
	Concurrency int
	// Expiration is how long APNs stores a push for a device that is offline (apns-expiration); zero means
	// ExpirationDefault.
	Expiration time.Duration
	// Host replaces APNs' host (https://host:port, no path). Tests point it at their own server; leave it
	// empty in production, where Production chooses Apple's host.
	Host string
	// Key is the PEM of the .p8 signing key (a PKCS#8 EC private key) from the Apple developer account. The
	// operator sets APNS_KEY_FILE (a path, read by config) or APNS_KEY (the PEM itself). It is a secret: never
	// logged, never part of an error.
	Key []byte
	// KeyID is the signing key's 10-character id, the JWT's kid (APNS_KEY_ID).
	KeyID string
	// Logger receives the Sender's own log lines; nil discards them.
	Logger *slog.Logger
	// Production chooses Apple's production host over the sandbox one (APNS_ENVIRONMENT=production|sandbox;
	// sandbox is the default). A development build of the app has sandbox tokens, which production refuses
	// as BadDeviceToken, and the other way round.
	Production bool
	// RootCAs, when set, are the only certificate authorities the client trusts. Tests set it to their
	// server's certificate; production leaves it nil and trusts the system's roots.
	RootCAs *x509.CertPool
	// TeamID is the Apple developer team's id, the JWT's iss (APNS_TEAM_ID).
	TeamID string
	// Timeout bounds one push when ctx has no earlier deadline; zero means TimeoutDefault.
	Timeout time.Duration
	// Topic is the app's bundle id, sent as apns-topic (APNS_TOPIC): a token-authenticated connection may push
	// to any of the team's apps, so each push names its app.
	Topic string
}

// withDefaults returns a copy of o with zero fields set to their defaults.
func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = ConcurrencyDefault
	}
	if o.Expiration <= 0 {
		o.Expiration = ExpirationDefault
	}
	if o.Timeout <= 0 {
		o.Timeout = TimeoutDefault
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// validate names the first required field that is missing. The key itself is checked by New, which parses it.
func (o Options) validate() error {
	switch {
	case len(o.Key) == 0:
		return errors.New("apns: the signing key is missing (set APNS_KEY_FILE to the .p8 file or APNS_KEY to its PEM)")
	case o.KeyID == "":
		return errors.New("apns: the key id is missing (set APNS_KEY_ID)")
	case o.TeamID == "":
		return errors.New("apns: the team id is missing (set APNS_TEAM_ID)")
	case o.Topic == "":
		return errors.New("apns: the topic is missing (set APNS_TOPIC to the app's bundle id)")
	}
	return nil
}
