package unifiedpush

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxBackoffEntries bounds the rate-limit memory; past it, expired entries are dropped on the next insert,
// and if none has expired the map is cleared (forgetting a limit only costs one more 429).
const maxBackoffEntries = 4096

// backoff remembers, per endpoint, until when its server asked not to be sent to (429 with Retry-After).
// The spec asks application servers to honour limits per endpoint, not per host: one device's limit
// must not hold the pushes of others on the same server. Endpoints are kept as hashes, so the map holds no
// device credential.
type backoff struct {
	mu    sync.Mutex
	until map[[sha256.Size]byte]time.Time
}

func newBackoff() *backoff {
	return &backoff{until: make(map[[sha256.Size]byte]time.Time)}
}

// remaining returns how long the endpoint is still to be left alone at now; zero when it may be sent to.
func (b *backoff) remaining(endpointURL string, now time.Time) time.Duration {
	key := sha256.Sum256([]byte(endpointURL))
	b.mu.Lock()
	defer b.mu.Unlock()
	until, ok := b.until[key]
	if !ok {
		return 0
	}
	if !now.Before(until) {
		delete(b.until, key)
		return 0
	}
	return until.Sub(now)
}

// hold records that the endpoint is to be left alone until until.
func (b *backoff) hold(endpointURL string, until time.Time, now time.Time) {
	key := sha256.Sum256([]byte(endpointURL))
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.until) >= maxBackoffEntries {
		for k, u := range b.until {
			if !now.Before(u) {
				delete(b.until, k)
			}
		}
		if len(b.until) >= maxBackoffEntries {
			clear(b.until)
		}
	}
	b.until[key] = until
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date; zero when absent, unreadable or
// already past.
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

// maxRetryAfter caps a Retry-After: a server asking for more than a day is not going to be waited for
// longer by a push about a household chore.
const maxRetryAfter = 24 * time.Hour
