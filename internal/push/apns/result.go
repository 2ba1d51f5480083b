package apns

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/sideshow/apns2"

	"github.com/homekeep/homekeep/internal/push"
)

// result maps APNs' answer to one push onto a push.Result. retryAfter is the reply's Retry-After header.
func result(res *apns2.Response, retryAfter string, now time.Time) push.Result {
	if res.StatusCode == http.StatusOK {
		return push.Result{}
	}
	err := fmt.Errorf("apns answered %d %s", res.StatusCode, reasonOrStatus(res))
	switch {
	case res.StatusCode == http.StatusGone,
		res.StatusCode == http.StatusBadRequest &&
			(res.Reason == apns2.ReasonBadDeviceToken || res.Reason == apns2.ReasonDeviceTokenNotForTopic):
		return push.Result{Err: err, Dead: true}
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= http.StatusInternalServerError:
		return push.Result{Err: err, RetryAfter: parseRetryAfter(retryAfter, now)}
	default:
		return push.Result{Err: err, Permanent: true}
	}
}

// reasonOrStatus returns APNs' reason, or the status text when the reply had none.
func reasonOrStatus(res *apns2.Response) string {
	if res.Reason != "" {
		return res.Reason
	}
	return http.StatusText(res.StatusCode)
}

// parseRetryAfter reads a Retry-After header, in seconds or as an HTTP date; zero when absent, unreadable or
// already past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
