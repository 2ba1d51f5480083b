package pushtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/unifiedpush"
)

// UnifiedPushServer is a UnifiedPush server (a distributor's push server, plain http on 127.0.0.1): it
// takes POSTs of the channel's JSON to each endpoint it made, requires TTL and Content-Type
// application/json, and answers Dead with 404, Transient with 503 and Permanent with 413 Payload Too Large.
type UnifiedPushServer struct {
	*Server
	// Channel is a unifiedpush channel ("unifiedpush") with LoopbackPolicy.
	Channel push.Channel

	srv *httptest.Server
}

// UnifiedPush starts a UnifiedPush server and its channel for the life of t.
func UnifiedPush(t testing.TB) *UnifiedPushServer {
	t.Helper()
	s := &UnifiedPushServer{Server: newServer("UnifiedPush")}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.srv.Close()
		s.report(t)
	})
	sender, err := unifiedpush.New(unifiedpush.Options{Policy: LoopbackPolicy})
	if err != nil {
		t.Fatalf("pushtest: configuring the UnifiedPush channel: %v", err)
	}
	s.Channel = push.Channel{Name: "unifiedpush", Sender: sender}
	return s
}

// NewDevice returns a UnifiedPush device with a fresh endpoint on this server.
func (s *UnifiedPushServer) NewDevice(t testing.TB) Device {
	t.Helper()
	return Device{Platform: push.PlatformUnifiedPush, Endpoint: s.srv.URL + "/up/" + randomHex(t, 24)}
}

func (s *UnifiedPushServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.problem("%s %s, want POST", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("TTL") == "" {
		s.problem("push without a TTL header")
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		s.problem("push with Content-Type %q, want application/json", ct)
	}
	body, err := io.ReadAll(r.Body)
	var p webPushPayload // the same fields: title, body, path, notification_id, kind, data
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		err = dec.Decode(&p)
	}
	if err != nil {
		s.problem("payload: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	got := Push{Title: p.Title, Body: p.Body, Path: p.Path, NotificationID: p.NotificationID, Kind: p.Kind,
		CollapseKey: r.Header.Get("Topic"), Data: p.Data, Header: r.Header.Clone()}
	status := http.StatusCreated
	switch s.answer(s.srv.URL+r.URL.Path, got) {
	case Accept:
	case Dead:
		status = http.StatusNotFound
	case Transient:
		status = http.StatusServiceUnavailable
	case Permanent:
		status = http.StatusRequestEntityTooLarge
	}
	w.Header().Set("TTL", r.Header.Get("TTL"))
	w.WriteHeader(status)
}
