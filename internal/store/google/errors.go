package google

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrUnknownPurchase means Google Play does not know the purchase token (404), or no longer answers for it
// (410: a subscription that ended more than about 60 days ago). Either way the token grants nothing: a
// client claiming a purchase with it is refused, and a notification about it is acknowledged and dropped.
var ErrUnknownPurchase = errors.New("google play: purchase token unknown")

// ErrCredentials means Google refused the service account: the token endpoint turned the signed assertion
// down (a deleted account, a revoked key), or the API answered 401 or 403 (the account has no access to
// the app in the Play Console, or the Cloud project is not linked). Retrying does not help; the operator
// must fix GOOGLE_PLAY_CREDENTIALS_FILE or the Play Console's API access page.
var ErrCredentials = errors.New("google play: service account refused")

// APIError is an answer of the Android Publisher API other than success, for logs and for callers that
// want Google's reason ("purchaseTokenNotFound", "subscriptionPurchaseNoLongerAvailable"...). Message has
// the purchase token cut out, in case Google repeats it.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Reason is the first errors[].reason of Google's error document, or its status ("NOT_FOUND").
	Reason string
	// Message is Google's message, at most 200 bytes.
	Message string
}

// Error says what Google answered.
func (e *APIError) Error() string {
	return fmt.Sprintf("android publisher answered %d %s: %q", e.Status, e.Reason, e.Message)
}

// retryableError marks a failure that another attempt may not meet: a network error, a timeout, a 5xx or a
// 429 from the API or the token endpoint.
type retryableError struct {
	err        error
	retryAfter time.Duration
}

func (e *retryableError) Error() string { return e.err.Error() }

func (e *retryableError) Unwrap() error { return e.err }

// IsRetryable reports whether err is worth another attempt later (a network failure, a timeout, or Google
// answering 5xx or 429), as opposed to one that every attempt meets again (ErrUnknownPurchase,
// ErrCredentials, a refused request). A caller handling a notification answers Pub/Sub with a 5xx for a
// retryable error, so that Pub/Sub pushes the notification again.
func IsRetryable(err error) bool {
	_, ok := errors.AsType[*retryableError](err)
	return ok
}

// RetryAfter returns how long Google asked the caller to wait (its Retry-After header), or zero when it
// did not say or err is not retryable.
func RetryAfter(err error) time.Duration {
	if re, ok := errors.AsType[*retryableError](err); ok {
		return re.retryAfter
	}
	return 0
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date; zero when absent, unreadable or
// already past, and at most maxRetryAfter.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// maxRetryAfter caps a Retry-After: a subscription check is not put off by more than an hour.
const maxRetryAfter = time.Hour

// redact shortens a purchase token to something a log reader can match against the client's without
// holding the credential: its length and its first 8 characters (fewer for a short token).
func redact(token string) string {
	keep := min(8, len(token)/4)
	return fmt.Sprintf("%s…(%d)", token[:keep], len(token))
}
