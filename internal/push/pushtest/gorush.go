package pushtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/gorush"
)

// GorushIOSTopic is the iOS topic the Gorush channel is configured with and the server requires.
const GorushIOSTopic = "app.homekeep.ios"

// Gorush's platform numbers.
const (
	gorushIOS     = 1
	gorushAndroid = 2
)

// GorushServer answers POST /api/push as Gorush does in sync mode (core.sync: true, log.hide_token: false):
// it counts the tokens it takes on and lists a failure log (with notif_id and token) for each push that
// failed at APNs or FCM. Dead is logged with the provider's "gone" error (APNs' Unregistered, FCM's
// "Requested entity was not found."), Transient with an outage's error for one push; Permanent drops the
// push from the count without a log, as Gorush does for a platform it has disabled (the channel reports
// that as permanent only when no other push in the request has a log).
type GorushServer struct {
	*Server
	// Channel is a gorush channel ("gorush") for iOS and Android that posts to this server.
	Channel push.Channel

	srv *httptest.Server
}

// Gorush starts a Gorush server and its channel for the life of t.
func Gorush(t testing.TB) *GorushServer {
	t.Helper()
	s := &GorushServer{Server: newServer("Gorush")}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.srv.Close()
		s.report(t)
	})
	sender, err := gorush.New(gorush.Options{URL: s.srv.URL, IOSTopic: GorushIOSTopic, HTTPClient: s.srv.Client()})
	if err != nil {
		t.Fatalf("pushtest: configuring the Gorush channel: %v", err)
	}
	s.Channel = push.Channel{Name: "gorush", Sender: sender}
	return s
}

// NewDevice returns a device of platform (ios or android) with a fresh token.
func (s *GorushServer) NewDevice(t testing.TB, platform string) Device {
	t.Helper()
	return Device{Platform: platform, Token: platform + "-" + randomHex(t, 32)}
}

// gorushElement is the part of one notification of a request the server reads.
type gorushElement struct {
	ID          string            `json:"notif_id"`
	Tokens      []string          `json:"tokens"`
	Platform    int               `json:"platform"`
	Title       string            `json:"title"`
	Message     string            `json:"message"`
	Data        map[string]string `json:"data"`
	Topic       string            `json:"topic"`
	Badge       *int              `json:"badge"`
	CollapseID  string            `json:"collapse_id"`
	CollapseKey string            `json:"collapse_key"`
}

func (s *GorushServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/push" || r.Header.Get("Content-Type") != "application/json" {
		s.problem("unexpected %s %s (Content-Type %q)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		http.NotFound(w, r)
		return
	}
	var req struct {
		Notifications []gorushElement `json:"notifications"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.problem("body: %v", err)
		writeGorush(w, http.StatusBadRequest, map[string]any{"code": 400, "message": "bad body"})
		return
	}
	counts := 0
	logs := []map[string]string{}
	for _, n := range req.Notifications {
		s.check(n)
		for _, tok := range n.Tokens {
			p := Push{Title: n.Title, Body: n.Message, Path: n.Data["path"], NotificationID: n.Data["notification_id"],
				Kind: n.Data["kind"], CollapseKey: n.CollapseKey, Badge: n.Badge, Data: n.Data, Header: r.Header.Clone()}
			if n.Platform == gorushIOS {
				p.CollapseKey = n.CollapseID
			}
			a := s.answer(tok, p)
			if a == Permanent {
				continue
			}
			counts++
			if a == Accept {
				continue
			}
			logs = append(logs, map[string]string{"type": "failed-push", "platform": gorushPlatform(n.Platform),
				"token": tok, "message": n.Message, "error": gorushError(n.Platform, a), "notif_id": n.ID})
		}
	}
	writeGorush(w, http.StatusOK, map[string]any{"success": "ok", "counts": counts, "logs": logs})
}

// check notes what Gorush would refuse or send wrong in one notification.
func (s *GorushServer) check(n gorushElement) {
	switch {
	case n.Platform != gorushIOS && n.Platform != gorushAndroid:
		s.problem("notification %q of platform %d", n.ID, n.Platform)
	case len(n.Tokens) == 0:
		s.problem("notification %q without tokens", n.ID)
	case n.ID == "":
		s.problem("notification without notif_id: its failure logs could not name it")
	case n.Platform == gorushIOS && n.Topic != GorushIOSTopic:
		s.problem("iOS notification %q with topic %q, want %q", n.ID, n.Topic, GorushIOSTopic)
	}
}

func gorushPlatform(p int) string {
	if p == gorushIOS {
		return "ios"
	}
	return "android"
}

// gorushError is the error a failure log of Gorush carries for a push answered a.
func gorushError(platform int, a Answer) string {
	switch {
	case a == Dead && platform == gorushIOS:
		return "Unregistered"
	case a == Dead:
		return "Requested entity was not found."
	case platform == gorushIOS:
		return "ServiceUnavailable"
	}
	return "The service is currently unavailable."
}

func writeGorush(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
