package webpush

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/push"
)

// answerExcerptLen bounds how much of a push service's error answer a Result's error quotes: enough for
// Mozilla's and Google's one-line reasons ("VAPID public key mismatch").
const answerExcerptLen = 200

// resultFor maps a push service's answer (RFC 8030, section 8; RFC 8292, section 4) to a Result. 2xx is
// accepted. 404 and 410 say the subscription is gone (Dead). 429 and 5xx are retried, after Retry-After
// when the service gave one. 400, 401 and 403 are a VAPID or payload problem and 413 a payload too large,
// which another attempt would repeat (Permanent), as is any other answer (an unknown 4xx, or a 3xx, since
// the client follows no redirects).
func resultFor(msg push.Message, resp *http.Response, now time.Time) push.Result {
	// Read a little of the body for the error and drain the rest, so the connection is reused.
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 4*answerExcerptLen))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return push.Result{}
	}
	err := fmt.Errorf("web push to device %d: push service answered %s%s",
		msg.DeviceID, resp.Status, quoteAnswer(string(excerpt), msg.Token))
	switch code := resp.StatusCode; {
	case code == http.StatusNotFound || code == http.StatusGone:
		return push.Result{Err: err, Dead: true}
	case code == http.StatusTooManyRequests || code >= 500:
		return push.Result{Err: err, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), now)}
	default:
		return push.Result{Err: err, Permanent: true}
	}
}

// quoteAnswer returns ": " and the start of a push service's answer on one line, with the subscription's
// endpoint (and its last path segment, the push token proper) redacted in case the service echoes it; empty
// when the service said nothing.
func quoteAnswer(answer, endpoint string) string {
	answer = strings.Join(strings.Fields(answer), " ")
	if answer == "" {
		return ""
	}
	answer = strings.ReplaceAll(answer, endpoint, "[endpoint]")
	if u, err := url.Parse(endpoint); err == nil {
		if i := strings.LastIndexByte(u.Path, '/'); i >= 0 && len(u.Path)-i > 8 {
			answer = strings.ReplaceAll(answer, u.Path[i+1:], "[token]")
		}
	}
	if len(answer) > answerExcerptLen {
		answer = strings.ToValidUTF8(answer[:answerExcerptLen], "") + "…"
	}
	return ": " + answer
}

// retryAfterMax bounds a Retry-After, so a service's mistake (or a date years ahead) cannot park a delivery
// for longer than its TTL keeps the push anyway.
const retryAfterMax = 24 * time.Hour

// retryAfter reads a Retry-After header (RFC 9110, section 10.2.3): whole seconds or an HTTP date, at most
// retryAfterMax. It returns zero when the header is absent, unreadable or in the past.
func retryAfter(header string, now time.Time) time.Duration {
	header = strings.TrimSpace(header)
	if header == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(header, 10, 64); err == nil {
		d = time.Duration(min(max(secs, 0), int64(retryAfterMax/time.Second))) * time.Second
	} else if at, err := http.ParseTime(header); err == nil {
		d = at.Sub(now)
	}
	return min(max(d, 0), retryAfterMax)
}
