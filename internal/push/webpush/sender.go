// Package webpush sends pushes to browsers and installed web apps (platform "web") by Web Push: each payload
// is encrypted for the subscription (RFC 8291, aes128gcm) and each request carries a VAPID JWT (RFC 8292)
// signed by the server's key, through github.com/SherClockHolmes/webpush-go.
package webpush

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	webpushgo "github.com/SherClockHolmes/webpush-go"

	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/endpoint"
)

// Sender is the Web Push channel: a push.Sender for the web platform.
type Sender struct {
	httpClient *http.Client
	keys       Keys
	logger     *slog.Logger
	// subscriber is the Subject as webpush-go wants it: an https: URL whole, a mailto: URL without its
	// scheme (webpush-go prepends "mailto:" to anything that does not start with "https:").
	subscriber string
	ttlSeconds int
}

var _ push.Sender = (*Sender)(nil)

// New checks o and returns a Sender. Errors name the field at fault and never include a key.
func New(o Options) (*Sender, error) {
	o = o.withDefaults()
	keys, err := o.validate()
	if err != nil {
		return nil, err
	}
	return &Sender{
		httpClient: o.HTTPClient,
		keys:       keys,
		logger:     o.Logger,
		subscriber: subscriber(o.Subject),
		ttlSeconds: int(o.TTL / time.Second),
	}, nil
}

// subscriber returns a validated Subject in the form webpush-go expects (see Sender.subscriber).
func subscriber(subject string) string {
	scheme, rest, _ := strings.Cut(subject, ":")
	if strings.EqualFold(scheme, "mailto") {
		return rest
	}
	return "https:" + rest
}

// Handles reports whether platform is the web, the only one Web Push serves.
func (s *Sender) Handles(platform string) bool {
	return platform == push.PlatformWeb
}

// Send pushes each message to its subscription, ConcurrencyDefault at a time, each bounded by ctx's deadline
// or TimeoutDefault, and returns one Result per message in order. It never retries and never sleeps: a
// transient failure is returned for the delivery job to retry.
func (s *Sender) Send(ctx context.Context, msgs []push.Message) []push.Result {
	results := make([]push.Result, len(msgs))
	sem := make(chan struct{}, ConcurrencyDefault)
	var wg sync.WaitGroup
	for i := range msgs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = s.sendOne(ctx, msgs[i])
		}()
	}
	wg.Wait()
	return results
}

// sendOne encrypts and posts one message and maps the push service's answer to a Result.
func (s *Sender) sendOne(ctx context.Context, msg push.Message) push.Result {
	if msg.Platform != push.PlatformWeb {
		return push.Result{Err: fmt.Errorf("web push to device %d: platform %q is not web", msg.DeviceID, msg.Platform), Permanent: true}
	}
	if err := ValidateSubscription(msg.Token, msg.P256dh, msg.Auth); err != nil {
		return push.Result{Err: fmt.Errorf("web push to device %d: %w", msg.DeviceID, err), Permanent: true}
	}
	body, err := encodePayload(msg)
	if err != nil {
		return push.Result{Err: fmt.Errorf("web push to device %d: %w", msg.DeviceID, err), Permanent: true}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, TimeoutDefault)
		defer cancel()
	}
	resp, err := webpushgo.SendNotificationWithContext(ctx, body, &webpushgo.Subscription{
		Endpoint: msg.Token,
		Keys:     webpushgo.Keys{P256dh: msg.P256dh, Auth: msg.Auth},
	}, &webpushgo.Options{
		HTTPClient:      s.httpClient,
		Subscriber:      s.subscriber,
		Topic:           topic(msg.CollapseKey),
		TTL:             s.ttlSeconds,
		Urgency:         urgency(msg.Kind),
		VAPIDPublicKey:  s.keys.Public,
		VAPIDPrivateKey: s.keys.Private,
	})
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		// Nothing was answered. A *url.Error names the endpoint, which is the device's credential, so only
		// its cause is kept.
		s.logger.DebugContext(ctx, "web push failed", "device_id", msg.DeviceID, "message_id", msg.ID, "error", ue.Err)
		err = fmt.Errorf("web push to device %d: posting to the push service: %w", msg.DeviceID, ue.Err)
		// The guarded client (package endpoint) refused the address the endpoint resolves to, a private or
		// internal one: another attempt would be refused the same way. Anything else (a network failure, a
		// timeout) is retried.
		return push.Result{Err: err, Permanent: errors.Is(err, endpoint.ErrNotAllowed)}
	}
	if err != nil {
		// The request was never made: encrypting or signing failed on a subscription and keys that were
		// checked above, which another attempt would repeat.
		return push.Result{Err: fmt.Errorf("web push to device %d: preparing the push: %w", msg.DeviceID, err), Permanent: true}
	}
	// The answer has been read (resultFor drains it); a failure to close says nothing about the push.
	defer func() { _ = resp.Body.Close() }()
	s.logger.DebugContext(ctx, "web push answered", "device_id", msg.DeviceID, "message_id", msg.ID, "status", resp.StatusCode)
	return resultFor(msg, resp, time.Now())
}

// urgency is the Urgency header (RFC 8030, section 5.3) for a kind: high for what is due now, so a phone in
// power saving still shows it, normal for the rest.
func urgency(kind string) webpushgo.Urgency {
	switch kind {
	case "task_overdue", "task_due_soon":
		return webpushgo.UrgencyHigh
	default:
		return webpushgo.UrgencyNormal
	}
}
