package fcm

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Identity of the test's service account.
const (
	testProject = "homekeep-test"
	testEmail   = "push@homekeep-test.iam.gserviceaccount.com"
	testKeyID   = "key-1"
)

// answer is one reply of the test's send endpoint.
type answer struct {
	status int
	header http.Header
	body   string
}

// fcmServer is one HTTPS (HTTP/2) server started by a test that plays both Google's OAuth token endpoint
// and FCM's v1 send endpoint: it verifies the JWT assertion against the service account's public key,
// issues an access token, requires that token on every send, checks each message's shape, and answers
// each device token as the test set it up (a list of answers, used in turn, the last one repeating).
type fcmServer struct {
	*httptest.Server
	key *rsa.PrivateKey

	mu       sync.Mutex
	issued   []string
	revoked  map[string]bool
	answers  map[string][]answer
	received map[string][]map[string]any // message bodies by device token
	projects []string                    // the project of every send, in order
	problems []string                    // what the server found wrong, for the test to fail on
}

func startFCM(t *testing.T) *fcmServer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generating the service account's key: %v", err)
	}
	s := &fcmServer{key: key, answers: map[string][]answer{}, received: map[string][]map[string]any{}, revoked: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /v1/projects/{project}/messages:send", s.send)
	s.Server = httptest.NewUnstartedServer(mux)
	s.EnableHTTP2 = true
	s.StartTLS()
	t.Cleanup(func() {
		s.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.problems {
			t.Errorf("test FCM server: %s", p)
		}
	})
	return s
}

// credentials returns a service-account key file for key, whose token_uri is this server's.
func (s *fcmServer) credentials(t *testing.T, key *rsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("encoding the key: %v", err)
	}
	b, err := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     testProject,
		"private_key_id": testKeyID,
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   testEmail,
		"client_id":      "1234567890",
		"token_uri":      s.URL + "/token",
	})
	if err != nil {
		t.Fatalf("encoding the credentials: %v", err)
	}
	return b
}

// on sets the answers for a device token.
func (s *fcmServer) on(token string, answers ...answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[token] = answers
}

// revokeAll makes every access token issued so far refused, as Google does when a key is rotated.
func (s *fcmServer) revokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tok := range s.issued {
		s.revoked["Bearer "+tok] = true
	}
}

func (s *fcmServer) messages(token string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.received[token]...)
}

func (s *fcmServer) tokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.issued)
}

func (s *fcmServer) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// token is the OAuth token endpoint: RFC 7523's JWT bearer grant, as Google's oauth2.googleapis.com/token
// takes it.
func (s *fcmServer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		s.problem("token request with grant_type %q", g)
		http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
		return
	}
	if err := s.verifyAssertion(r.PostForm.Get("assertion")); err != nil {
		// A key the account does not have is what Google refuses with invalid_grant; the test that sends
		// one expects this, so it is not recorded as a problem.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprintf(w, `{"error":"invalid_grant","error_description":%q}`, err.Error())
		return
	}
	s.mu.Lock()
	tok := fmt.Sprintf("ya29.test-access-%d", len(s.issued)+1)
	s.issued = append(s.issued, tok)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3599}`, tok)
}

// verifyAssertion checks the JWT's RS256 signature with the service account's public key and its claims.
func (s *fcmServer) verifyAssertion(assertion string) error {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return fmt.Errorf("assertion has %d parts, want 3", len(parts))
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		return fmt.Errorf("signature does not verify with the service account's key: %w", err)
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
	case header.Alg != "RS256" || header.Kid != testKeyID:
		s.problem("assertion header alg %q kid %q, want RS256 and %q", header.Alg, header.Kid, testKeyID)
	case claims.Iss != testEmail:
		s.problem("assertion iss %q, want %q", claims.Iss, testEmail)
	case claims.Aud != s.URL+"/token":
		s.problem("assertion aud %q, want the token_uri %q", claims.Aud, s.URL+"/token")
	case claims.Scope != "https://www.googleapis.com/auth/firebase.messaging":
		s.problem("assertion scope %q, want firebase.messaging", claims.Scope)
	case claims.Iat > now+60 || claims.Exp <= now || claims.Exp-claims.Iat > 3600:
		s.problem("assertion iat %d exp %d at %d: not a current token of at most an hour", claims.Iat, claims.Exp, now)
	default:
		return nil
	}
	return fmt.Errorf("assertion claims refused")
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return fmt.Errorf("decoding a JWT segment: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding a JWT segment: %w", err)
	}
	return nil
}

// send is FCM's projects.messages.send.
func (s *fcmServer) send(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor != 2 {
		s.problem("send over %s, want HTTP/2", r.Proto)
	}
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	known := false
	for _, tok := range s.issued {
		known = known || auth == "Bearer "+tok
	}
	revoked := s.revoked[auth]
	s.projects = append(s.projects, r.PathValue("project"))
	s.mu.Unlock()
	if !known || revoked {
		if !revoked {
			s.problem("send with Authorization %q, not a token the server issued", auth)
		}
		writeError(w, answer{status: http.StatusUnauthorized, body: `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`})
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		s.problem("send with Content-Type %q", ct)
	}
	raw, _ := io.ReadAll(r.Body)
	var body struct {
		Message map[string]any `json:"message"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.Message == nil {
		s.problem("send body %q is not {\"message\": {...}}", raw)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	token, _ := body.Message["token"].(string)
	s.mu.Lock()
	s.received[token] = append(s.received[token], body.Message)
	answers := s.answers[token]
	n := len(s.received[token])
	s.mu.Unlock()
	if len(answers) == 0 {
		s.problem("send to a token the test did not set up")
		writeError(w, answer{status: http.StatusNotFound, body: unregistered})
		return
	}
	writeError(w, answers[min(n, len(answers))-1])
}

func writeError(w http.ResponseWriter, a answer) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// Answers of FCM, as its documentation and real responses show them.
const (
	unregistered = `{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND",
		"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}`
	projectNotFound = `{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND"}}`
	unavailable     = `{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE",
		"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNAVAILABLE"}]}}`
	internal = `{"error":{"code":500,"message":"Internal error encountered.","status":"INTERNAL",
		"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"INTERNAL"}]}}`
	quotaExceeded = `{"error":{"code":429,"message":"Quota exceeded for quota metric 'Send requests'.","status":"RESOURCE_EXHAUSTED",
		"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"QUOTA_EXCEEDED"}]}}`
	badDataField = `{"error":{"code":400,"message":"Invalid value at 'message.data[0].value' (TYPE_STRING), 12","status":"INVALID_ARGUMENT",
		"details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[
		{"field":"message.data[0].value","description":"Invalid value at 'message.data[0].value' (TYPE_STRING), 12"}]}]}}`
	// A payload refusal that names a field other than the token is the payload's, whatever its message says.
	tooBigForToken = `{"error":{"code":400,"message":"Message to this registration token is too big","status":"INVALID_ARGUMENT",
		"details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[
		{"field":"message","description":"Message is too big"}]}]}}`
	tokenFieldViolation = `{"error":{"code":400,"message":"Invalid registration","status":"INVALID_ARGUMENT",
		"details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[
		{"field":"message.token","description":"Invalid registration token"}]}]}}`
	senderIDMismatch = `{"error":{"code":403,"message":"SenderId mismatch","status":"PERMISSION_DENIED",
		"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"SENDER_ID_MISMATCH"}]}}`
	thirdPartyAuth = `{"error":{"code":401,"message":"Auth error from APNS or Web Push Service","status":"UNAUTHENTICATED",
		"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"THIRD_PARTY_AUTH_ERROR"}]}}`
)

// invalidToken is FCM's answer to a malformed registration token; this one repeats the token, as a
// server might, to show that errors cut it out.
func invalidToken(token string) string {
	return `{"error":{"code":400,"message":"The registration token is not a valid FCM registration token: ` + token + `",
		"status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"INVALID_ARGUMENT"}]}}`
}
