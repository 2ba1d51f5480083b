package app

import (
	"context"
	"fmt"
	"time"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/ratelimit"
)

// AttemptLimit guards the endpoints where repeated attempts could guess a secret (sign-in, emailed codes,
// share codes): at most PerMinute attempts per minute at one rule for each key (an IP, an email, a user).
type AttemptLimit struct {
	Limiter *ratelimit.Limiter
	// PerMinute is AUTH_RATE_LIMIT.
	PerMinute int
}

// Check counts one attempt at rule for each key and refuses with 429 and Retry-After past the limit.
func (l AttemptLimit) Check(ctx context.Context, rule string, keys ...string) error {
	d, err := l.Limiter.Allow(ctx, ratelimit.Rule{Name: rule, Limit: l.PerMinute, Window: time.Minute}, keys...)
	if err != nil {
		return fmt.Errorf("error checking rate limit %s: %w", rule, err)
	}
	if d.Allowed {
		return nil
	}
	secs := int((d.RetryAfter + time.Second - 1) / time.Second)
	return apierror.RateLimited(ctx, secs)
}
