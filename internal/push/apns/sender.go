package apns

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/sideshow/apns2"
	"github.com/sideshow/apns2/token"

	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/telemetry"
)

// Sender pushes to iOS devices through APNs. It keeps one HTTP/2 connection open across Sends, as Apple asks
// (opening one per push looks like an attack to APNs); it is safe for concurrent use.
type Sender struct {
	client    *apns2.Client
	o         Options
	transport interface{ CloseIdleConnections() }
}

// New returns a Sender for o, or an error naming the option that is missing or unusable. It parses the key and
// signs a first token, so a wrong key fails at start rather than at the first push.
func New(o Options) (*Sender, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	o = o.withDefaults()
	key, err := token.AuthKeyFromBytes(o.Key)
	if err != nil {
		// The parser's error says what was wrong with the key's form and quotes none of it.
		return nil, fmt.Errorf("apns: reading the signing key (APNS_KEY or APNS_KEY_FILE, a .p8 PEM): %w", err)
	}
	tok := &token.Token{AuthKey: key, KeyID: o.KeyID, TeamID: o.TeamID}
	if _, err := tok.Generate(); err != nil {
		return nil, fmt.Errorf("apns: signing a token with the key: %w", err)
	}
	client := apns2.NewTokenClient(tok)
	switch {
	case o.Host != "":
		client.Host = o.Host
	case o.Production:
		client.Production()
	default:
		client.Development()
	}
	tr := newTransport(o.RootCAs)
	// The timeout comes from each push's context instead (Options.Timeout).
	client.HTTPClient = telemetry.WrapClient(&http.Client{Transport: headerTransport{next: tr}})
	return &Sender{client: client, o: o, transport: tr}, nil
}

// CloseIdleConnections closes the connection to APNs when no push is using it: for a process shutting down,
// and for tests, whose leak check counts the connection's goroutines.
func (s *Sender) CloseIdleConnections() {
	s.transport.CloseIdleConnections()
}

// Handles reports whether platform is ios, the only one APNs serves.
func (s *Sender) Handles(platform string) bool {
	return platform == push.PlatformIOS
}

// Send pushes each message and returns one Result per message, in order, with at most Options.Concurrency
// pushes in flight. It neither retries nor waits: a failure worth another attempt comes back with Err and
// neither Dead nor Permanent.
func (s *Sender) Send(ctx context.Context, msgs []push.Message) []push.Result {
	results := make([]push.Result, len(msgs))
	sem := make(chan struct{}, s.o.Concurrency)
	var wg sync.WaitGroup
	for i := range msgs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = s.sendOne(ctx, &msgs[i])
		})
	}
	wg.Wait()
	return results
}

// sendOne pushes m and maps what came back.
func (s *Sender) sendOne(ctx context.Context, m *push.Message) push.Result {
	if !s.Handles(m.Platform) {
		return push.Result{Err: fmt.Errorf("apns pushes to ios devices only, not %q", m.Platform), Permanent: true}
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	var h replyHeader
	now := time.Now()
	res, err := s.client.PushWithContext(withReply(ctx, &h), &apns2.Notification{
		DeviceToken: m.Token,
		Topic:       s.o.Topic,
		PushType:    apns2.PushTypeAlert,
		CollapseID:  collapseID(m.CollapseKey),
		Priority:    apns2.PriorityHigh,
		Expiration:  now.Add(s.o.Expiration),
		Payload:     payload(m),
	})
	if err != nil {
		// url.Error quotes the request URL, which ends in the device token; keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return push.Result{Err: fmt.Errorf("pushing to apns for device %d: %w", m.DeviceID, err)}
	}
	r := result(res, h.retryAfter, now)
	if r.Err != nil {
		s.o.Logger.DebugContext(ctx, "apns refused a push", "device_id", m.DeviceID, "message_id", m.ID,
			"status", res.StatusCode, "reason", res.Reason)
	}
	return r
}
