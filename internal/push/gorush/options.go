package gorush

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/homekeep/homekeep/internal/telemetry"
)

// Defaults for the Options fields left zero.
const (
	// BatchSizeDefault is how many messages go in one request: Gorush's own default for core.max_notification,
	// above which it refuses the whole request.
	BatchSizeDefault = 100
	// ConcurrencyDefault is how many requests one Send has in flight at once.
	ConcurrencyDefault = 4
	// TimeoutDefault bounds one request when ctx has no earlier deadline. In sync mode Gorush answers only
	// after APNs and FCM have, so it is longer than a single push's.
	TimeoutDefault = 30 * time.Second
)

// Options configure a Sender. URL is required.
type Options struct {
	// BatchSize is the most messages one request carries; zero means BatchSizeDefault. It must not exceed
	// Gorush's core.max_notification.
	BatchSize int
	// Concurrency is how many requests one Send has in flight at once; zero means ConcurrencyDefault.
	Concurrency int
	// HTTPClient sends the requests; nil means a client of its own. Its Timeout, if any, applies on top of
	// Timeout.
	HTTPClient *http.Client
	// IOSTopic is the iOS app's bundle id, sent as each iOS push's topic (GORUSH_IOS_TOPIC). Gorush needs it
	// when it authenticates to APNs with a .p8 key; with a certificate it may stay empty.
	IOSTopic string
	// Logger receives the Sender's warnings (a platform Gorush dropped); nil discards them.
	Logger *slog.Logger
	// Timeout bounds one request when ctx has no earlier deadline; zero means TimeoutDefault.
	Timeout time.Duration
	// URL is Gorush's base URL, such as http://gorush:8088 (GORUSH_URL); requests go to URL + "/api/push".
	URL string
}

// withDefaults returns a copy of o with zero fields set to their defaults.
func (o Options) withDefaults() Options {
	if o.BatchSize <= 0 {
		o.BatchSize = BatchSizeDefault
	}
	if o.Concurrency <= 0 {
		o.Concurrency = ConcurrencyDefault
	}
	if o.Timeout <= 0 {
		o.Timeout = TimeoutDefault
	}
	if o.HTTPClient == nil {
		o.HTTPClient = telemetry.WrapClient(&http.Client{})
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// validate checks the URL, without quoting it: a URL may carry a password.
func (o Options) validate() error {
	if o.URL == "" {
		return errors.New("gorush: the URL is missing (set GORUSH_URL, such as http://gorush:8088)")
	}
	u, err := url.Parse(o.URL)
	if err != nil {
		return errors.New("gorush: GORUSH_URL is not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("gorush: GORUSH_URL must be an http or https URL with a host, not %q://", u.Scheme)
	}
	return nil
}
