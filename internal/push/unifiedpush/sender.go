package unifiedpush

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/endpoint"
)

// Sender sends pushes to UnifiedPush endpoints. It is safe for concurrent use.
type Sender struct {
	client  *http.Client
	policy  endpoint.Policy
	ttl     string
	timeout time.Duration
	log     *slog.Logger
	backoff *backoff
	now     func() time.Time
}

// New returns a Sender for o, or an error naming the option that is wrong.
func New(o Options) (*Sender, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	return &Sender{
		client:  endpoint.Client(o.Policy, o.Timeout),
		policy:  o.Policy,
		ttl:     strconv.FormatInt(int64(o.TTL/time.Second), 10),
		timeout: o.Timeout,
		log:     o.Logger,
		backoff: newBackoff(),
		now:     time.Now,
	}, nil
}

// Handles reports whether platform is UnifiedPush, the only one this channel sends to.
func (s *Sender) Handles(platform string) bool {
	return platform == push.PlatformUnifiedPush
}

// Send posts each message to its device's endpoint, ConcurrencyDefault at once, and returns one Result per
// message in order. It never retries or waits: a failure worth retrying is a Result that is neither Dead
// nor Permanent, with the server's Retry-After when it gave one.
func (s *Sender) Send(ctx context.Context, msgs []push.Message) []push.Result {
	results := make([]push.Result, len(msgs))
	sem := make(chan struct{}, ConcurrencyDefault)
	var wg sync.WaitGroup
	for i := range msgs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = s.sendOne(ctx, msgs[i])
			s.log.DebugContext(ctx, "unifiedpush push", "device_id", msgs[i].DeviceID, "message_id", msgs[i].ID,
				"sent", results[i].Err == nil, "dead", results[i].Dead, "permanent", results[i].Permanent)
		})
	}
	wg.Wait()
	return results
}

// sendOne sends m and says what became of it. Errors name the device, never its endpoint.
func (s *Sender) sendOne(ctx context.Context, m push.Message) push.Result {
	if m.Platform != push.PlatformUnifiedPush {
		return permanent(fmt.Errorf("unifiedpush: device %d: platform %q is not unifiedpush", m.DeviceID, m.Platform))
	}
	if wait := s.backoff.remaining(m.Token, s.now()); wait > 0 {
		return push.Result{
			Err:        fmt.Errorf("unifiedpush: device %d: not sent, its endpoint asked to slow down (429) for %s more", m.DeviceID, wait.Round(time.Second)),
			RetryAfter: wait,
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	if err := endpoint.Check(ctx, m.Token, s.policy); err != nil {
		return transportResult(m, "checking the endpoint", err)
	}
	body, err := encodePayload(m)
	if err != nil {
		return permanent(fmt.Errorf("unifiedpush: device %d: %w", m.DeviceID, err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Token, bytes.NewReader(body))
	if err != nil {
		// The endpoint passed Check, so this is not expected; the error would repeat the URL.
		return permanent(fmt.Errorf("unifiedpush: device %d: building the request failed", m.DeviceID))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("TTL", s.ttl)
	req.Header.Set("Urgency", "normal")
	if topicPattern.MatchString(m.CollapseKey) {
		req.Header.Set("Topic", m.CollapseKey)
	}

	resp, err := s.client.Do(req)
	if err != nil {
		return transportResult(m, "posting", err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096)) // lets the connection be reused
	return s.answerResult(m, resp)
}

// topicPattern is what RFC 8030 allows in a Topic header (at most 32 base64url characters); a collapse key
// that is not of that form is left out rather than refused by the server.
var topicPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// answerResult maps the endpoint's answer to a Result: 2xx accepted; 404 and 410 the endpoint is gone;
// 413 too large and any other 3xx or 4xx permanent; 429 and 5xx worth retrying.
func (s *Sender) answerResult(m push.Message, resp *http.Response) push.Result {
	code := resp.StatusCode
	status := strconv.Itoa(code) + " " + http.StatusText(code)
	switch {
	case code >= 200 && code < 300:
		return push.Result{}
	case code == http.StatusNotFound || code == http.StatusGone:
		return push.Result{Err: fmt.Errorf("unifiedpush: device %d: the endpoint is gone (%s)", m.DeviceID, status), Dead: true}
	case code == http.StatusRequestEntityTooLarge:
		return permanent(fmt.Errorf("unifiedpush: device %d: the server refused the payload as too large (%s)", m.DeviceID, status))
	case code == http.StatusTooManyRequests:
		now := s.now()
		wait := retryAfter(resp.Header, now)
		if wait > 0 {
			s.backoff.hold(m.Token, now.Add(wait), now)
		}
		return push.Result{Err: fmt.Errorf("unifiedpush: device %d: rate limited (%s)", m.DeviceID, status), RetryAfter: wait}
	case code >= 500:
		return push.Result{
			Err:        fmt.Errorf("unifiedpush: device %d: the push server failed (%s)", m.DeviceID, status),
			RetryAfter: retryAfter(resp.Header, s.now()),
		}
	case code >= 300 && code < 400:
		return permanent(fmt.Errorf("unifiedpush: device %d: the endpoint redirects (%s), and redirects are not followed", m.DeviceID, status))
	default:
		return permanent(fmt.Errorf("unifiedpush: device %d: the push server refused the push (%s)", m.DeviceID, status))
	}
}

// transportResult maps a failure before any answer: an endpoint the guard refuses is permanent, anything
// else (a lookup, a refused connection, a timeout) is worth retrying. The URL is cut out of the error.
func transportResult(m push.Message, doing string, err error) push.Result {
	if urlErr, ok := errors.AsType[*url.Error](err); ok {
		err = urlErr.Err
	}
	err = fmt.Errorf("unifiedpush: device %d: %s: %w", m.DeviceID, doing, err)
	if errors.Is(err, endpoint.ErrNotAllowed) {
		return permanent(err)
	}
	return push.Result{Err: err}
}

func permanent(err error) push.Result {
	return push.Result{Err: err, Permanent: true}
}
