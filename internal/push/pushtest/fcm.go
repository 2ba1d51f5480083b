package pushtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/fcm"
)

// The service account the FCM server's credentials name.
const (
	FCMProject = "homekeep-test"
	FCMEmail   = "push@homekeep-test.iam.gserviceaccount.com"
	FCMKeyID   = "key-1"
)

// fcmScope is the OAuth scope an FCM access token must be asked for.
const fcmScope = "https://www.googleapis.com/auth/firebase.messaging"

// FCM's answers, as its documentation and real responses show them.
const (
	fcmUnregistered = `{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND",
		"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}`
	fcmUnavailable = `{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE",
		"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNAVAILABLE"}]}}`
	fcmBadDataField = `{"error":{"code":400,"message":"Invalid value at 'message.data[0].value' (TYPE_STRING), 12","status":"INVALID_ARGUMENT",
		"details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[
		{"field":"message.data[0].value","description":"Invalid value at 'message.data[0].value' (TYPE_STRING), 12"}]}]}}`
	fcmUnauthenticated = `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`
)

// FCMServer is one HTTPS (HTTP/2) server that plays both Google's OAuth token endpoint (POST /token, the
// JWT bearer grant of RFC 7523) and FCM's HTTP v1 send endpoint (POST /v1/projects/FCMProject/messages:send).
// It verifies the assertion's RS256 signature with the service account's key and its claims, requires an
// access token it issued on every send, and checks each message's shape. It answers Dead with 404
// UNREGISTERED, Transient with 503 UNAVAILABLE and Permanent with 400 INVALID_ARGUMENT about a data field.
type FCMServer struct {
	*Server
	// Channel is an fcm channel ("fcm") that gets its tokens from and pushes to this server.
	Channel push.Channel
	// Credentials is the service-account key file the channel is configured with.
	Credentials []byte

	srv    *httptest.Server
	key    *rsa.PrivateKey
	issued []string // guarded by Server.mu
}

// FCM starts an FCM server and its channel for the life of t.
func FCM(t testing.TB) *FCMServer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("pushtest: generating the service account's key: %v", err)
	}
	s := &FCMServer{Server: newServer("FCM"), key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", s.token)
	mux.HandleFunc("/v1/", s.send)
	s.srv = httptest.NewUnstartedServer(mux)
	s.srv.EnableHTTP2 = true
	s.srv.StartTLS()
	t.Cleanup(func() {
		s.srv.Close() // and its client's idle connections, which the channel uses
		s.report(t)
	})
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("pushtest: encoding the service account's key: %v", err)
	}
	s.Credentials, err = json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     FCMProject,
		"private_key_id": FCMKeyID,
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   FCMEmail,
		"client_id":      "1234567890",
		"token_uri":      s.srv.URL + "/token",
	})
	if err != nil {
		t.Fatalf("pushtest: encoding the credentials: %v", err)
	}
	sender, err := fcm.New(fcm.Options{CredentialsJSON: s.Credentials, BaseURL: s.srv.URL, HTTPClient: s.srv.Client(),
		Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("pushtest: configuring the FCM channel: %v", err)
	}
	s.Channel = push.Channel{Name: "fcm", Sender: sender}
	return s
}

// NewDevice returns an Android device with a fresh registration token.
func (s *FCMServer) NewDevice(t testing.TB) Device {
	t.Helper()
	return Device{Platform: push.PlatformAndroid, Token: "fcm:" + randomHex(t, 24)}
}

// TokensIssued is how many access tokens the token endpoint issued: the channel should reuse one.
func (s *FCMServer) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.issued)
}

// token is the OAuth token endpoint, as Google's oauth2.googleapis.com/token takes the JWT bearer grant.
func (s *FCMServer) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.problem("token request %s, want POST", r.Method)
	}
	if err := r.ParseForm(); err != nil {
		writeFCM(w, http.StatusBadRequest, `{"error":"invalid_request"}`)
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		s.problem("token request with grant_type %q", g)
		writeFCM(w, http.StatusBadRequest, `{"error":"unsupported_grant_type"}`)
		return
	}
	if err := s.verifyAssertion(r.PostForm.Get("assertion")); err != nil {
		s.problem("token request: %v", err)
		writeFCM(w, http.StatusBadRequest, fmt.Sprintf(`{"error":"invalid_grant","error_description":%q}`, err.Error()))
		return
	}
	s.mu.Lock()
	tok := fmt.Sprintf("ya29.test-access-%d", len(s.issued)+1)
	s.issued = append(s.issued, tok)
	s.mu.Unlock()
	writeFCM(w, http.StatusOK, fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer","expires_in":3599}`, tok))
}

// verifyAssertion checks the JWT's RS256 signature with the service account's public key, and its claims.
func (s *FCMServer) verifyAssertion(assertion string) error {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return fmt.Errorf("assertion has %d parts, want 3", len(parts))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("decoding the assertion's signature: %w", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		return fmt.Errorf("the assertion's signature does not verify with the service account's key: %w", err)
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	var claims struct {
		Iss   string `json:"iss"`
		Aud   string `json:"aud"`
		Scope string `json:"scope"`
		Iat   int64  `json:"iat"`
		Exp   int64  `json:"exp"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return err
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return err
	}
	now := time.Now().Unix()
	switch {
	case header.Alg != "RS256" || header.Kid != FCMKeyID:
		return fmt.Errorf("assertion header alg %q kid %q, want RS256 and %q", header.Alg, header.Kid, FCMKeyID)
	case claims.Iss != FCMEmail:
		return fmt.Errorf("assertion iss %q, want %q", claims.Iss, FCMEmail)
	case claims.Aud != s.srv.URL+"/token":
		return fmt.Errorf("assertion aud %q, want the token_uri", claims.Aud)
	case claims.Scope != fcmScope:
		return fmt.Errorf("assertion scope %q, want %q", claims.Scope, fcmScope)
	case claims.Iat > now+60 || claims.Exp <= now || claims.Exp-claims.Iat > 3600:
		return fmt.Errorf("assertion iat %d exp %d at %d: not a current token of at most an hour", claims.Iat, claims.Exp, now)
	}
	return nil
}

// fcmMessage is the part of a v1 message the server reads.
type fcmMessage struct {
	Token        string `json:"token"`
	Notification struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	} `json:"notification"`
	Data    map[string]string `json:"data"`
	Android struct {
		CollapseKey  string `json:"collapse_key"`
		Priority     string `json:"priority"`
		Notification *struct {
			Tag string `json:"tag"`
		} `json:"notification"`
	} `json:"android"`
}

// send is FCM's projects.messages.send.
func (s *FCMServer) send(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/projects/"+FCMProject+"/messages:send" {
		s.problem("unexpected request %s %s", r.Method, r.URL.Path)
		writeFCM(w, http.StatusNotFound, `{"error":{"code":404,"message":"Not found","status":"NOT_FOUND"}}`)
		return
	}
	if r.ProtoMajor != 2 {
		s.problem("send over %s, want HTTP/2", r.Proto)
	}
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	known := slices.ContainsFunc(s.issued, func(tok string) bool { return auth == "Bearer "+tok })
	s.mu.Unlock()
	if !known {
		s.problem("send without an access token the token endpoint issued")
		writeFCM(w, http.StatusUnauthorized, fcmUnauthenticated)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		s.problem("send with Content-Type %q, want application/json", ct)
	}
	var body struct {
		Message *fcmMessage `json:"message"`
	}
	raw, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(raw, &body)
	}
	if err == nil && body.Message == nil {
		err = errors.New(`not {"message": {...}}`)
	}
	if err != nil {
		s.problem("send body: %v", err)
		writeFCM(w, http.StatusBadRequest, fcmBadDataField)
		return
	}
	m := body.Message
	if m.Android.Priority != "high" {
		s.problem("android.priority %q, want high", m.Android.Priority)
	}
	if m.Android.CollapseKey != "" && (m.Android.Notification == nil || m.Android.Notification.Tag != m.Android.CollapseKey) {
		s.problem("android.notification.tag is not the collapse key %q", m.Android.CollapseKey)
	}
	p := Push{Title: m.Notification.Title, Body: m.Notification.Body, Path: m.Data["path"],
		NotificationID: m.Data["notification_id"], Kind: m.Data["kind"], CollapseKey: m.Android.CollapseKey,
		Data: m.Data, Header: r.Header.Clone()}
	switch s.answer(m.Token, p) {
	case Accept:
		writeFCM(w, http.StatusOK, fmt.Sprintf(`{"name":"projects/%s/messages/0:1700000000000000%%31"}`, FCMProject))
	case Dead:
		writeFCM(w, http.StatusNotFound, fcmUnregistered)
	case Transient:
		writeFCM(w, http.StatusServiceUnavailable, fcmUnavailable)
	case Permanent:
		writeFCM(w, http.StatusBadRequest, fcmBadDataField)
	}
}

func writeFCM(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body) //nolint:gosec // G705: a test server writing FCM's JSON, never HTML
}
