package webpush

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/push/endpoint"
)

// Defaults for the Options a server leaves zero.
const (
	// TTLDefault is how long a push service keeps a push for a browser that is offline: a reminder a day
	// late is still worth showing, one older is not.
	TTLDefault = 24 * time.Hour
	// TimeoutDefault bounds one request to a push service when the caller's context has no deadline.
	TimeoutDefault = 30 * time.Second
	// ConcurrencyDefault is how many pushes one Send has in flight at once.
	ConcurrencyDefault = 8
)

// Options configure the Web Push channel. Keys and Subject are required; the rest have defaults.
type Options struct {
	// Keys is the server's VAPID key pair (env VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or the pair the
	// server generated and stored in server_secrets). New checks that they are one pair.
	Keys Keys
	// Subject is the VAPID "sub" claim (env VAPID_SUBJECT): a mailto: or https: URL through which a push
	// service's operator can reach the server's, e.g. "mailto:ops@example.com". Required here although RFC
	// 8292 makes it optional: some push services refuse a JWT without one, and an operator who is told why
	// their pushes misbehave is worth the one setting.
	Subject string
	// HTTPClient posts to the subscriptions' endpoints. Endpoints come from browsers, that is from users, so
	// the server passes the SSRF-guarded client of package internal/push/endpoint (built with the operator's
	// endpoint.Policy), which follows no redirects. Nil uses that client with the production policy and
	// TimeoutDefault; tests pass their server's client.
	HTTPClient *http.Client
	// TTL is how long the push service keeps a push for a browser that is offline (the TTL header, whole
	// seconds; env WEBPUSH_TTL). Zero means TTLDefault.
	TTL time.Duration
	// Logger gets one debug line per push (device id, message id, status); never a key, endpoint or
	// payload. Nil discards.
	Logger *slog.Logger
}

// withDefaults returns a copy of o with the zero optional fields filled in.
func (o Options) withDefaults() Options {
	if o.HTTPClient == nil {
		// The guard with the production policy: https to public addresses only, no redirect followed (a
		// redirect would send the encrypted payload and the VAPID token wherever the endpoint's host
		// points), each request bounded by TimeoutDefault.
		o.HTTPClient = endpoint.Client(endpoint.Policy{}, TimeoutDefault)
	}
	if o.TTL == 0 {
		o.TTL = TTLDefault
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// validate checks o (after withDefaults), naming the field and its environment variable; it never echoes a
// key.
func (o Options) validate() (Keys, error) {
	if o.Keys.Public == "" || o.Keys.Private == "" {
		return Keys{}, errors.New("webpush: Keys (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY) are required")
	}
	keys, err := ParseKeys(o.Keys.Public, o.Keys.Private)
	if err != nil {
		return Keys{}, fmt.Errorf("webpush: Keys: %w", err)
	}
	if err := validateSubject(o.Subject); err != nil {
		return Keys{}, fmt.Errorf("webpush: Subject (VAPID_SUBJECT): %w", err)
	}
	if o.TTL < time.Second {
		return Keys{}, fmt.Errorf("webpush: TTL (WEBPUSH_TTL) is %s, want at least 1s", o.TTL)
	}
	return keys, nil
}

// validateSubject checks that subject is a mailto: URL with an address or an https: URL with a host.
func validateSubject(subject string) error {
	if subject == "" {
		return errors.New("required: a mailto: or https: URL, e.g. mailto:ops@example.com")
	}
	u, err := url.Parse(subject)
	if err != nil {
		return fmt.Errorf("%q is not a URL", subject)
	}
	switch u.Scheme {
	case "mailto":
		if !strings.Contains(u.Opaque, "@") || strings.ContainsAny(subject, " \t\r\n") {
			return fmt.Errorf("%q is not a mailto: URL with an address", subject)
		}
	case "https":
		if u.Host == "" {
			return fmt.Errorf("%q is not an https: URL with a host", subject)
		}
	default:
		return fmt.Errorf("%q is neither a mailto: nor an https: URL", subject)
	}
	return nil
}
