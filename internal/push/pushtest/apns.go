package pushtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/apns"
)

// The identities the APNs server expects in every provider token and request.
const (
	APNsKeyID  = "ABC123DEFG"
	APNsTeamID = "TEAM123456"
	APNsTopic  = "app.homekeep.ios"
)

// APNsServer is an HTTP/2 TLS server that speaks APNs' provider API (POST /3/device/<token>). It verifies
// each request's provider token (an ES256 JWT signed by the test's .p8 key, with kid APNsKeyID and iss
// APNsTeamID) and requires HTTP/2, apns-topic APNsTopic, apns-push-type alert, apns-priority 10 and an
// apns-expiration. It answers Dead with 410 Unregistered, Transient with 503 ServiceUnavailable and
// Permanent with 400 PayloadTooLarge.
type APNsServer struct {
	*Server
	// Channel is an apns channel ("apns") that pushes to this server.
	Channel push.Channel
	// Key is the PEM of the .p8 key the server accepts provider tokens of.
	Key []byte

	srv *httptest.Server
	pub *ecdsa.PublicKey
}

// APNs starts an APNs server and its channel for the life of t.
func APNs(t testing.TB) *APNsServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("pushtest: generating the APNs key: %v", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("pushtest: encoding the APNs key: %v", err)
	}
	s := &APNsServer{Server: newServer("APNs"), pub: &key.PublicKey,
		Key: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.EnableHTTP2 = true
	s.srv.StartTLS()
	roots := x509.NewCertPool()
	roots.AddCert(s.srv.Certificate())
	sender, err := apns.New(apns.Options{Key: s.Key, KeyID: APNsKeyID, TeamID: APNsTeamID, Topic: APNsTopic,
		Host: s.srv.URL, RootCAs: roots})
	if err != nil {
		s.srv.Close()
		t.Fatalf("pushtest: configuring the APNs channel: %v", err)
	}
	s.Channel = push.Channel{Name: "apns", Sender: sender}
	t.Cleanup(func() {
		sender.CloseIdleConnections()
		s.srv.Close()
		s.report(t)
	})
	return s
}

// NewDevice returns an iOS device with a fresh token (64 hex digits, as APNs' tokens are).
func (s *APNsServer) NewDevice(t testing.TB) Device {
	t.Helper()
	return Device{Platform: push.PlatformIOS, Token: randomHex(t, 32)}
}

func (s *APNsServer) serve(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.URL.Path, "/3/device/")
	if r.Method != http.MethodPost || !ok {
		s.problem("unexpected request %s %s", r.Method, r.URL.Path)
		writeAPNs(w, http.StatusNotFound, "BadPath")
		return
	}
	if err := s.checkBearer(r.Header.Get("Authorization")); err != nil {
		s.problem("provider token: %v", err)
		writeAPNs(w, http.StatusForbidden, "InvalidProviderToken")
		return
	}
	if r.ProtoMajor != 2 {
		s.problem("request over %s, want HTTP/2", r.Proto)
	}
	if got := r.Header.Get("apns-topic"); got != APNsTopic {
		s.problem("apns-topic %q, want %q", got, APNsTopic)
	}
	if got := r.Header.Get("apns-push-type"); got != "alert" {
		s.problem("apns-push-type %q, want alert", got)
	}
	if got := r.Header.Get("apns-priority"); got != "10" {
		s.problem("apns-priority %q, want 10 (show now)", got)
	}
	if r.Header.Get("apns-expiration") == "" {
		s.problem("no apns-expiration: APNs would not store the push for a device that is offline")
	}
	var payload map[string]any
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(body, &payload)
	}
	if err != nil {
		s.problem("payload: %v", err)
		writeAPNs(w, http.StatusBadRequest, "BadPayload")
		return
	}
	switch s.answer(token, apnsPush(r.Header, payload)) {
	case Accept:
		w.Header().Set("apns-id", "8ec1f5b9-4a51-4f5b-9b7c-0c2d6e1b7a31")
		w.WriteHeader(http.StatusOK)
	case Dead:
		writeAPNs(w, http.StatusGone, "Unregistered")
	case Transient:
		writeAPNs(w, http.StatusServiceUnavailable, "ServiceUnavailable")
	case Permanent:
		writeAPNs(w, http.StatusBadRequest, "PayloadTooLarge")
	}
}

// apnsPush decodes an APNs payload: the alert and badge under aps, the rest top-level strings.
func apnsPush(h http.Header, payload map[string]any) Push {
	p := Push{Header: h.Clone(), CollapseKey: h.Get("apns-collapse-id"), Data: map[string]string{}}
	for k, v := range payload {
		if s, ok := v.(string); ok {
			p.Data[k] = s
		}
	}
	p.Path, p.NotificationID, p.Kind = p.Data["path"], p.Data["notification_id"], p.Data["kind"]
	aps, _ := payload["aps"].(map[string]any)
	alert, _ := aps["alert"].(map[string]any)
	p.Title, _ = alert["title"].(string)
	p.Body, _ = alert["body"].(string)
	if b, ok := aps["badge"].(float64); ok {
		badge := int(b)
		p.Badge = &badge
	}
	return p
}

// checkBearer verifies an APNs provider token: an ES256 JWT whose signature the test key's public half
// verifies, with the key id as kid and the team id as iss.
func (s *APNsServer) checkBearer(auth string) error {
	jwt, ok := strings.CutPrefix(auth, "bearer ")
	if !ok {
		return errors.New("authorization is not a bearer token")
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return fmt.Errorf("%d parts, want 3", len(parts))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return fmt.Errorf("signature is not 64 bytes of base64url (err %v)", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(s.pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("the ES256 signature does not verify with the test key")
	}
	var header struct{ Alg, Kid string }
	var claims struct {
		Iss string
		Iat int64
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return err
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return err
	}
	if header.Alg != "ES256" || header.Kid != APNsKeyID || claims.Iss != APNsTeamID || claims.Iat == 0 {
		return fmt.Errorf("header %+v, claims %+v; want ES256, kid %s, iss %s and an iat", header, claims,
			APNsKeyID, APNsTeamID)
	}
	return nil
}

// decodeSegment decodes one base64url JSON segment of a JWT into v.
func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return fmt.Errorf("decoding a JWT segment: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("reading a JWT segment: %w", err)
	}
	return nil
}

func writeAPNs(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"reason": reason})
}
