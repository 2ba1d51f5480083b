package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// MaxWindow bounds Rule.Window. Longer windows are not rate limits but lockouts, and an unbounded window could
// overflow the window arithmetic.
const MaxWindow = 30 * 24 * time.Hour

var (
	errInvalidRule = errors.New("invalid rate limit rule")
	errNoKeys      = errors.New("no keys to count against")
)

// Rule is one endpoint's limit, e.g. Rule{Name: "login", Limit: 10, Window: time.Minute}.
type Rule struct {
	// Name identifies the endpoint in stored keys. It may only contain ASCII letters, digits, '_', '-' and
	// '.', because it goes into the key unescaped.
	Name string
	// Limit is how many attempts per key are allowed in one window.
	Limit int
	// Window is the length of a window; at most MaxWindow.
	Window time.Duration
}

// Decision is the outcome of one attempt.
type Decision struct {
	// Allowed is false when any of the attempt's keys is over the limit.
	Allowed bool
	// Remaining is how many more attempts the most used key has left in this window.
	Remaining int
	// RetryAfter is zero when Allowed. Otherwise it is the time until the window ends, rounded up to whole
	// seconds because it feeds an HTTP Retry-After header, which only has whole seconds.
	RetryAfter time.Duration
}

// Limiter counts attempts. It is safe for concurrent use; one Limiter serves every rule.
type Limiter struct {
	// shared pipelines commands to Valkey; nil without Valkey. Production passes *valkeyconn.Conn, which
	// counts the round trip; tests pass a clientDoer around a client they wrap.
	shared multiDoer
	prefix string
	local  *localCounter
	// now is the clock, replaceable so tests can keep an attempt sequence inside one window.
	now func() time.Time
}

// New returns a Limiter. shared may be nil (no VALKEY_URL): counts are then kept in this process only. keyPrefix
// goes in front of every stored key: tests use a unique prefix each, production uses "".
func New(shared *valkeyconn.Conn, keyPrefix string) *Limiter {
	l := newLimiter(nil, keyPrefix)
	if shared != nil {
		l.shared = shared
	}
	return l
}

// newLimiter is New with the client lookup passed in, so tests can interpose on the client.
func newLimiter(client func() (valkey.Client, bool), keyPrefix string) *Limiter {
	l := &Limiter{
		prefix: keyPrefix,
		local:  newLocalCounter(localMaxEntries),
		now:    time.Now,
	}
	if client != nil {
		l.shared = clientDoer(client)
	}
	return l
}

// multiDoer is what the limiter needs from Valkey: one pipelined round trip.
type multiDoer interface {
	DoMulti(ctx context.Context, build func(valkey.Builder) []valkey.Completed) ([]valkey.ValkeyResult, error)
}

// clientDoer adapts a client lookup to multiDoer.
type clientDoer func() (valkey.Client, bool)

func (c clientDoer) DoMulti(ctx context.Context, build func(valkey.Builder) []valkey.Completed) ([]valkey.ValkeyResult, error) {
	cl, ok := c()
	if !ok {
		return nil, valkeyconn.ErrUnavailable
	}
	res := cl.DoMulti(ctx, build(cl.B())...)
	for _, r := range res {
		if err := r.Error(); err != nil {
			return res, err // like valkeyconn.Conn.DoMulti: the first command's error
		}
	}
	return res, nil
}

// Allow counts one attempt against every key of the rule, such as "ip:203.0.113.9" and "email:a@b.c", and
// refuses it when any key is over the limit: a guesser must be stopped whether they vary the IP address (the
// email key catches them) or the account (the IP key does). Refused attempts are counted too, so hammering
// on does not help, but the window is fixed, so it does not extend the wait either.
//
// Empty keys (e.g. an unknown client IP) are skipped; when every key is empty the attempt is allowed
// uncounted. All keys are counted in one Valkey round trip. If Valkey is not configured, not connected or
// fails, the attempt is counted in process instead and no error is returned: rate limiting must not take
// login down with the cache. Errors are only for programming mistakes: an invalid rule or no keys at all.
func (l *Limiter) Allow(ctx context.Context, rule Rule, keys ...string) (Decision, error) {
	if err := rule.validate(); err != nil {
		return Decision{}, fmt.Errorf("error checking rate limit %q: %w", rule.Name, err)
	}
	if len(keys) == 0 {
		return Decision{}, fmt.Errorf("error checking rate limit %q: %w", rule.Name, errNoKeys)
	}
	now := l.now()
	w := windowAt(now, rule.Window)
	stored := l.storedKeys(rule, w.index, keys)
	if len(stored) == 0 {
		return Decision{Allowed: true, Remaining: rule.Limit}, nil
	}
	counts, ok := l.countShared(ctx, stored, rule.Window+sharedTTLSlack)
	if !ok {
		counts = l.local.incr(stored, w.end.Sub(now)+localTTLSlack)
	}
	return decide(rule, counts, w.end.Sub(now)), nil
}

// validate reports the rule mistakes that would make counting meaningless or break the key format.
func (r Rule) validate() error {
	switch {
	case !validName(r.Name):
		return fmt.Errorf("%w: name %q must be non-empty ASCII letters, digits, '_', '-' or '.'", errInvalidRule, r.Name)
	case r.Limit <= 0:
		return fmt.Errorf("%w: limit %d must be positive", errInvalidRule, r.Limit)
	case r.Window <= 0 || r.Window > MaxWindow:
		return fmt.Errorf("%w: window %s must be positive and at most %s", errInvalidRule, r.Window, MaxWindow)
	}
	return nil
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// decide turns the keys' counts (this attempt included) into the most restrictive decision.
func decide(rule Rule, counts []int64, untilEnd time.Duration) Decision {
	d := Decision{Allowed: true, Remaining: rule.Limit}
	for _, n := range counts {
		if n > int64(rule.Limit) {
			d.Allowed = false
		}
		if left := max(0, int64(rule.Limit)-n); left < int64(d.Remaining) {
			d.Remaining = int(left)
		}
	}
	if !d.Allowed {
		d.RetryAfter = ceilSeconds(untilEnd)
	}
	return d
}

// ceilSeconds rounds d up to whole seconds, and to at least one second: "Retry-After: 0" would invite an
// immediate retry that is refused again.
func ceilSeconds(d time.Duration) time.Duration {
	return max(time.Second, (d+time.Second-1)/time.Second*time.Second)
}
