package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/endpoint"
	"github.com/homekeep/homekeep/internal/push/webpush"
)

// WebPushSubject is the VAPID subject the Web Push channel signs with and the push service requires.
const WebPushSubject = "mailto:ops@homekeep.test"

// LoopbackPolicy is the endpoint guard's policy the Web Push and UnifiedPush channels are configured with:
// the servers listen on 127.0.0.1. An API instance that registers their devices needs it too
// (config Push.AllowInsecureLoopback).
var LoopbackPolicy = endpoint.Policy{AllowLoopbackHTTP: true}

// WebPushServer is a push service as a browser vendor runs one (TLS, on 127.0.0.1). Each subscription it
// makes holds a private key and auth secret generated the way a browser does; the service decrypts every
// request's aes128gcm body (RFC 8291), verifies the VAPID Authorization header (RFC 8292) against the
// channel's public key and WebPushSubject, and requires TTL and Content-Encoding. It answers Dead with 410
// Gone, Transient with 503 and Permanent with 413.
type WebPushServer struct {
	*Server
	// Channel is a webpush channel ("webpush") whose client trusts this server's certificate and keeps the
	// endpoint guard's dial control (LoopbackPolicy).
	Channel push.Channel
	// Keys is the VAPID key pair the channel signs with.
	Keys webpush.Keys

	srv  *httptest.Server
	subs map[string]*subscription // by endpoint path; guarded by Server.mu
}

// subscription is a browser's side of one push subscription.
type subscription struct {
	private *ecdh.PrivateKey
	auth    []byte
}

// WebPush starts a Web Push service and its channel for the life of t.
func WebPush(t testing.TB) *WebPushServer {
	t.Helper()
	keys, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatalf("pushtest: generating VAPID keys: %v", err)
	}
	s := &WebPushServer{Server: newServer("Web Push"), Keys: keys, subs: map[string]*subscription{}}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	client := guardedClient(s.srv.Certificate())
	t.Cleanup(func() {
		client.CloseIdleConnections()
		s.srv.Close()
		s.report(t)
	})
	sender, err := webpush.New(webpush.Options{Keys: keys, Subject: WebPushSubject, HTTPClient: client})
	if err != nil {
		t.Fatalf("pushtest: configuring the Web Push channel: %v", err)
	}
	s.Channel = push.Channel{Name: "webpush", Sender: sender}
	return s
}

// guardedClient is endpoint.Client's client for LoopbackPolicy, but trusting cert (the test server's): the
// dialer refuses what the guard refuses, no proxy, no redirects.
func guardedClient(cert *x509.Certificate) *http.Client {
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: endpoint.DialControl(LoopbackPolicy)}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:             nil,
			DialContext:       dialer.DialContext,
			ForceAttemptHTTP2: true,
			TLSClientConfig:   &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       15 * time.Second,
	}
}

// NewDevice subscribes a new browser: an endpoint on this service with a fresh P-256 key pair and auth
// secret, as PushManager.subscribe hands them to the page.
func (s *WebPushServer) NewDevice(t testing.TB) Device {
	t.Helper()
	private, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("pushtest: generating the subscription's key pair: %v", err)
	}
	auth := make([]byte, 16)
	if _, err := rand.Read(auth); err != nil {
		t.Fatalf("pushtest: generating the auth secret: %v", err)
	}
	path := "/wpush/v2/" + randomHex(t, 24)
	s.mu.Lock()
	s.subs[path] = &subscription{private: private, auth: auth}
	s.mu.Unlock()
	return Device{Platform: push.PlatformWeb, Endpoint: s.srv.URL + path,
		P256dh: base64.RawURLEncoding.EncodeToString(private.PublicKey().Bytes()),
		Auth:   base64.RawURLEncoding.EncodeToString(auth)}
}

// webPushPayload is what the service worker receives; unknown fields are refused.
type webPushPayload struct {
	Title          string            `json:"title"`
	Body           string            `json:"body"`
	Path           string            `json:"path"`
	NotificationID string            `json:"notification_id"`
	Kind           string            `json:"kind"`
	Data           map[string]string `json:"data"`
}

func (s *WebPushServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	sub := s.subs[r.URL.Path]
	s.mu.Unlock()
	if sub == nil {
		s.problem("push to %s, which is no subscription of this service", r.URL.Path)
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	var p webPushPayload
	if err == nil {
		err = s.check(r, sub, body, &p)
	}
	if err != nil {
		s.problem("%v", err)
		http.Error(w, `{"code":400,"errno":0,"message":"bad request"}`, http.StatusBadRequest)
		return
	}
	got := Push{Title: p.Title, Body: p.Body, Path: p.Path, NotificationID: p.NotificationID, Kind: p.Kind,
		CollapseKey: r.Header.Get("Topic"), Data: p.Data, Header: r.Header.Clone()}
	status := http.StatusCreated
	switch s.answer(s.srv.URL+r.URL.Path, got) {
	case Accept:
	case Dead:
		status = http.StatusGone
	case Transient:
		status = http.StatusServiceUnavailable
	case Permanent:
		status = http.StatusRequestEntityTooLarge
	}
	w.WriteHeader(status)
	if status != http.StatusCreated {
		_, _ = fmt.Fprintf(w, `{"code":%d,"errno":0,"message":"%s"}`, status, http.StatusText(status))
	}
}

// check verifies a request the way a push service and the browser must before showing it, decoding its
// payload into p.
func (s *WebPushServer) check(r *http.Request, sub *subscription, body []byte, p *webPushPayload) error {
	if r.Method != http.MethodPost {
		return fmt.Errorf("method %s, want POST", r.Method)
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return fmt.Errorf("Content-Encoding %q, want aes128gcm", ce)
	}
	if r.Header.Get("TTL") == "" {
		return errors.New("no TTL header (RFC 8030 requires one)")
	}
	if err := s.checkVAPID(r.Header.Get("Authorization"), "https://"+r.Host); err != nil {
		return fmt.Errorf("VAPID: %w", err)
	}
	plain, err := sub.decrypt(body)
	if err != nil {
		return fmt.Errorf("decrypting: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return fmt.Errorf("payload is not the expected JSON: %w", err)
	}
	return nil
}

// checkVAPID verifies an Authorization header "vapid t=<JWT>, k=<public key>" (RFC 8292, section 3): k is
// the channel's public key, and the JWT is ES256-signed by it, for this origin, expiring within 24 hours,
// with WebPushSubject.
func (s *WebPushServer) checkVAPID(header, origin string) error {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return errors.New("authorization is not the vapid scheme")
	}
	params := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		params[name] = value
	}
	if params["k"] != s.Keys.Public {
		return fmt.Errorf("k=%q, want the channel's public key %q", params["k"], s.Keys.Public)
	}
	pubBytes, err := base64.RawURLEncoding.DecodeString(params["k"])
	if err != nil {
		return fmt.Errorf("decoding k: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pubBytes)
	if err != nil {
		return fmt.Errorf("parsing k: %w", err)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(params["t"], claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithExpirationRequired(), jwt.WithAudience(origin))
	if err != nil {
		return fmt.Errorf("verifying the JWT: %w", err)
	}
	exp, err := claims.GetExpirationTime()
	if err != nil {
		return fmt.Errorf("reading exp: %w", err)
	}
	if exp.After(time.Now().Add(24 * time.Hour)) {
		return fmt.Errorf("exp %s is more than 24 hours ahead", exp)
	}
	if sub, _ := claims["sub"].(string); sub != WebPushSubject {
		return fmt.Errorf("sub %q, want %q", sub, WebPushSubject)
	}
	return nil
}

// decrypt is the browser's side of RFC 8291 over RFC 8188's aes128gcm: it reads the header (salt, record
// size, key id = the sender's ephemeral public key), derives the key and nonce from the ECDH secret and the
// auth secret, opens the single record and strips the padding after its 0x02 delimiter.
func (sub *subscription) decrypt(body []byte) ([]byte, error) {
	const saltLen, rsLen = 16, 4
	if len(body) < saltLen+rsLen+1 {
		return nil, fmt.Errorf("body of %d bytes is shorter than the header", len(body))
	}
	salt := body[:saltLen]
	rs := binary.BigEndian.Uint32(body[saltLen : saltLen+rsLen])
	idLen := int(body[saltLen+rsLen])
	headerLen := saltLen + rsLen + 1 + idLen
	if len(body) < headerLen {
		return nil, fmt.Errorf("body of %d bytes is shorter than its key id", len(body))
	}
	asPublicBytes := body[saltLen+rsLen+1 : headerLen]
	record := body[headerLen:]
	if rs < 18 || len(record) > int(rs) {
		return nil, fmt.Errorf("record of %d bytes with rs %d: want a single record", len(record), rs)
	}
	asPublic, err := ecdh.P256().NewPublicKey(asPublicBytes)
	if err != nil {
		return nil, fmt.Errorf("key id is not a P-256 point: %w", err)
	}
	ecdhSecret, err := sub.private.ECDH(asPublic)
	if err != nil {
		return nil, fmt.Errorf("computing the ECDH secret: %w", err)
	}
	// RFC 8291, section 3.4: IKM from the ECDH secret, keyed by the auth secret.
	keyInfo := append(append([]byte("WebPush: info\x00"), sub.private.PublicKey().Bytes()...), asPublicBytes...)
	ikm, err := hkdf.Key(sha256.New, ecdhSecret, sub.auth, string(keyInfo), 32)
	if err != nil {
		return nil, fmt.Errorf("deriving IKM: %w", err)
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, fmt.Errorf("deriving CEK: %w", err)
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, fmt.Errorf("deriving nonce: %w", err)
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, fmt.Errorf("making the AES cipher: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("making the GCM: %w", err)
	}
	padded, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("opening the record: %w", err)
	}
	// RFC 8188, section 2: the last record's padding is a 0x02 delimiter followed by zeros.
	end := len(bytes.TrimRight(padded, "\x00"))
	if end == 0 || padded[end-1] != 0x02 {
		return nil, errors.New("no 0x02 delimiter ending the last record's content")
	}
	return padded[:end-1], nil
}
