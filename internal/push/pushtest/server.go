package pushtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// Answer is how a server answers the pushes to one device.
type Answer int

// The answers a test can program. Each provider answers them in its own words (see each constructor).
const (
	// Accept delivers the push; every device starts so.
	Accept Answer = iota
	// Dead answers as the provider does for a device that is gone (uninstalled, expired, unsubscribed), on
	// every push until programmed otherwise.
	Dead
	// Transient fails the next push as an outage does (a 503), then accepts again.
	Transient
	// Permanent refuses every push in a way another attempt would repeat (a 4xx other than gone).
	Permanent
)

// String names the answer in failure messages.
func (a Answer) String() string {
	switch a {
	case Accept:
		return "accept"
	case Dead:
		return "dead"
	case Transient:
		return "transient"
	case Permanent:
		return "permanent"
	}
	return fmt.Sprintf("Answer(%d)", int(a))
}

// Device is what a device registers (POST /notifications/devices) to be reached through a server.
type Device struct {
	// Platform is one of push's Platform constants.
	Platform string
	// Token is an iOS or Android push token; empty for web and unifiedpush.
	Token string
	// Endpoint is a Web Push or UnifiedPush endpoint URL; empty for ios and android.
	Endpoint string
	// P256dh and Auth are a Web Push subscription's keys (base64url), generated as a browser does.
	P256dh, Auth string
}

// PushToken is what push.Message.Token carries for the device, and what the server knows it by: its token
// or its endpoint.
func (d Device) PushToken() string {
	if d.Token != "" {
		return d.Token
	}
	return d.Endpoint
}

// Registration is the body of POST /notifications/devices registering d with locale ("" leaves it out).
func (d Device) Registration(locale string) map[string]any {
	body := map[string]any{"platform": d.Platform}
	if d.Token != "" {
		body["token"] = d.Token
	} else {
		body["endpoint"] = d.Endpoint
	}
	if d.P256dh != "" {
		body["keys"] = map[string]any{"p256dh": d.P256dh, "auth": d.Auth}
	}
	if locale != "" {
		body["locale"] = locale
	}
	return body
}

// Push is one push as a server received it, decoded from the provider's format.
type Push struct {
	// Title and Body are what the device shows.
	Title, Body string
	// Path is the deep link; NotificationID and Kind what the push is about ("0" and "test" for a test).
	Path, NotificationID, Kind string
	// CollapseKey is the provider's collapse field: apns-collapse-id, FCM's collapse_key, Gorush's
	// collapse_id (iOS) or collapse_key (Android), the Topic header of Web Push and UnifiedPush.
	CollapseKey string
	// Badge is the iOS badge (APNs, Gorush iOS); nil when the push leaves the badge as it is.
	Badge *int
	// Data are the string pairs the push carries for the app: the provider's data (APNs: the payload's
	// top-level strings), or the payload's data object (Web Push, UnifiedPush).
	Data map[string]string
	// Header is the request's header (Gorush: the header of the request that carried the push).
	Header http.Header
	// Answer is how the server answered the push.
	Answer Answer
}

// Server is what every provider's server shares: the answers the test programmed and the pushes received.
// Its methods are safe to call while pushes arrive.
type Server struct {
	name string

	mu       sync.Mutex
	answers  map[string]Answer
	received map[string][]Push
	problems []string
}

func newServer(name string) *Server {
	return &Server{name: name, answers: map[string]Answer{}, received: map[string][]Push{}}
}

// Set programs how the server answers d's pushes from now on.
func (s *Server) Set(d Device, a Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[d.PushToken()] = a
}

// Received returns the pushes to d the server received, in order, whatever it answered.
func (s *Server) Received(d Device) []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.received[d.PushToken()]...)
}

// Count is how many pushes the server received, for every device.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.received {
		n += len(p)
	}
	return n
}

// answer records p as received for key and returns how to answer it: a Transient answer is given once.
func (s *Server) answer(key string, p Push) Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.answers[key]
	if a == Transient {
		s.answers[key] = Accept
	}
	p.Answer = a
	s.received[key] = append(s.received[key], p)
	return a
}

// problem notes something the server found wrong in a request; the test fails on it when it ends.
func (s *Server) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// report fails t with every problem found; it runs when the test ends.
func (s *Server) report(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.problems {
		t.Errorf("pushtest: the %s server found a wrong request: %s", s.name, p)
	}
}

// randomHex returns n random bytes in hex: device tokens and endpoint paths unique to a test.
func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("pushtest: reading random bytes: %v", err)
	}
	return hex.EncodeToString(b)
}
