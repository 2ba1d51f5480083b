package client

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// keyedPaths are the operations that accept Idempotency-Key (every POST that creates something or completes a
// task), by the end of their path.
var keyedPaths = regexp.MustCompile(`/(residences|residences/join|residences/\d+/share-code|tasks|tasks/\d+/completions|contractors|documents|notifications/devices)/?$`)

// IdempotentTransport gives every POST of an operation that accepts Idempotency-Key a fresh random key when
// the request has none, and retries it with the same key when the answer is lost (a network error), when the
// server is still running the first attempt (409 request_in_progress) or when it was unavailable (503): the
// server then answers the first attempt's result again instead of creating a second task, completion or
// residence. A request whose body cannot be sent again (no GetBody) gets its key but no retry.
type IdempotentTransport struct {
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Attempts is how many times a request is sent at most; 0 means 3.
	Attempts int
	// MaxWait caps the wait a Retry-After asks for; 0 means 5 seconds.
	MaxWait time.Duration
}

// WithIdempotencyKeys sends the client's requests through hc (nil: http.DefaultClient) with an
// IdempotentTransport around its transport, so creates are retried safely:
//
//	c, err := client.NewClient(url, client.BearerToken(token), client.WithIdempotencyKeys(nil))
//
// A key set explicitly in an operation's params (IdempotencyKey) is kept and used for the retries; set one
// to make retries across calls, or across restarts of the app, safe too.
func WithIdempotencyKeys(hc *http.Client) ClientOption {
	if hc == nil {
		hc = http.DefaultClient
	}
	keyed := *hc
	keyed.Transport = &IdempotentTransport{Base: hc.Transport}
	return WithClient(&keyed)
}

// NewIdempotencyKey returns a random key (128 bits, hex).
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// RoundTrip implements http.RoundTripper.
func (t *IdempotentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if r.Method != http.MethodPost || !keyedPaths.MatchString(r.URL.Path) {
		return base.RoundTrip(r)
	}
	if r.Header.Get("Idempotency-Key") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Idempotency-Key", NewIdempotencyKey())
	}
	attempts := t.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	if r.Body != nil && r.Body != http.NoBody && r.GetBody == nil {
		attempts = 1
	}
	for attempt := 1; ; attempt++ {
		resp, err := base.RoundTrip(r)
		if attempt >= attempts || !t.again(resp, err) {
			return resp, err
		}
		wait := t.wait(resp)
		if resp != nil {
			_ = resp.Body.Close()
		}
		select {
		case <-r.Context().Done():
			return nil, r.Context().Err()
		case <-time.After(wait):
		}
		if r.GetBody != nil {
			body, err := r.GetBody()
			if err != nil {
				return nil, err
			}
			r = r.Clone(r.Context())
			r.Body = body
		}
	}
}

// again reports whether an attempt's outcome is worth another attempt with the same key.
func (t *IdempotentTransport) again(resp *http.Response, err error) bool {
	if err != nil {
		return true
	}
	return resp.StatusCode == http.StatusConflict && resp.Header.Get("Retry-After") != "" ||
		resp.StatusCode == http.StatusServiceUnavailable
}

// wait is how long to wait before the next attempt: Retry-After, capped, or half a second.
func (t *IdempotentTransport) wait(resp *http.Response) time.Duration {
	limit := t.MaxWait
	if limit <= 0 {
		limit = 5 * time.Second
	}
	if resp != nil {
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, limit)
		}
	}
	return min(500*time.Millisecond, limit)
}
