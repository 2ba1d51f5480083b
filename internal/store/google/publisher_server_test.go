package google

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
	"strings"
	"sync"
	"testing"
	"time"
)

// Identity of the test's publisher service account and app.
const (
	testPackage = "app.homekeep.test"
	testEmail   = "play@homekeep-test.iam.gserviceaccount.com"
	testKeyID   = "sa-key-1"
)

// reply is one answer of the test API for a purchase token.
type reply struct {
	status int
	header http.Header
	body   string
}

// publisherServer is one HTTPS server started by a test that plays both Google's OAuth token endpoint and
// the Android Publisher API: it verifies the service account's JWT assertion against the public half of
// the account's key, issues access tokens, requires one on every API call, answers subscriptionsv2.get per
// purchase token as the test set it up (a list of replies used in turn, the last repeating) and counts
// acknowledge calls per token.
type publisherServer struct {
	*httptest.Server
	key *rsa.PrivateKey

	mu       sync.Mutex
	issued   []string
	revoked  map[string]bool
	replies  map[string][]reply
	gets     map[string]int
	acks     map[string][]string // purchase token -> subscription ids acknowledged
	problems []string            // what the server found wrong, for the test to fail on
}

func startPublisher(t *testing.T) *publisherServer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generating the service account's key: %v", err)
	}
	s := &publisherServer{
		key: key, revoked: map[string]bool{}, replies: map[string][]reply{},
		gets: map[string]int{}, acks: map[string][]string{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /androidpublisher/v3/applications/{pkg}/purchases/subscriptionsv2/tokens/{token}", s.get)
	mux.HandleFunc("POST /androidpublisher/v3/applications/{pkg}/purchases/subscriptions/{sub}/tokens/{tokenAction}", s.acknowledge)
	s.Server = httptest.NewTLSServer(mux)
	t.Cleanup(func() {
		s.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.problems {
			t.Errorf("test publisher server: %s", p)
		}
	})
	return s
}

// credentials returns a service-account key file for key, whose token_uri is this server's.
func (s *publisherServer) credentials(t *testing.T, key *rsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("encoding the key: %v", err)
	}
	b, err := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     "homekeep-test",
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

// on sets the replies for a purchase token.
func (s *publisherServer) on(token string, replies ...reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies[token] = replies
}

// revokeAll makes every access token issued so far refused, as Google does when a key is deleted.
func (s *publisherServer) revokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tok := range s.issued {
		s.revoked["Bearer "+tok] = true
	}
}

func (s *publisherServer) acknowledged(token string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.acks[token]...)
}

func (s *publisherServer) fetches(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[token]
}

func (s *publisherServer) tokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.issued)
}

func (s *publisherServer) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// token is the OAuth token endpoint: RFC 7523's JWT bearer grant, as oauth2.googleapis.com/token takes it.
func (s *publisherServer) token(w http.ResponseWriter, r *http.Request) {
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

// verifyAssertion checks the JWT's RS256 signature with the service account's public key, and its claims.
func (s *publisherServer) verifyAssertion(assertion string) error {
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
	case claims.Scope != "https://www.googleapis.com/auth/androidpublisher":
		s.problem("assertion scope %q, want androidpublisher", claims.Scope)
	case claims.Iat > now+60 || claims.Exp <= now || claims.Exp-claims.Iat > 3600:
		s.problem("assertion iat %d exp %d at %d: not a current token of at most an hour", claims.Iat, claims.Exp, now)
	default:
		return nil
	}
	return errors.New("assertion claims refused")
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

// authorised checks the access token and package of an API call and answers 401 for a token it did not
// issue or has revoked.
func (s *publisherServer) authorised(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	known := false
	for _, tok := range s.issued {
		known = known || auth == "Bearer "+tok
	}
	revoked := s.revoked[auth]
	s.mu.Unlock()
	if !known || revoked {
		if !revoked {
			s.problem("API call with Authorization %q, not a token the server issued", auth)
		}
		writeReply(w, reply{status: http.StatusUnauthorized, body: unauthenticated})
		return false
	}
	if pkg := r.PathValue("pkg"); pkg != testPackage {
		s.problem("API call for package %q, want %q", pkg, testPackage)
	}
	return true
}

// get is purchases.subscriptionsv2.get.
func (s *publisherServer) get(w http.ResponseWriter, r *http.Request) {
	if !s.authorised(w, r) {
		return
	}
	token := r.PathValue("token")
	s.mu.Lock()
	s.gets[token]++
	n := s.gets[token]
	replies := s.replies[token]
	s.mu.Unlock()
	if len(replies) == 0 {
		writeReply(w, reply{status: http.StatusNotFound, body: tokenNotFound})
		return
	}
	writeReply(w, replies[min(n, len(replies))-1])
}

// acknowledge is purchases.subscriptions.acknowledge; the path's last segment is "{token}:acknowledge".
func (s *publisherServer) acknowledge(w http.ResponseWriter, r *http.Request) {
	if !s.authorised(w, r) {
		return
	}
	token, ok := strings.CutSuffix(r.PathValue("tokenAction"), ":acknowledge")
	if !ok {
		s.problem("POST to %q, not an :acknowledge", r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		s.problem("acknowledge with Content-Type %q", ct)
	}
	raw, _ := io.ReadAll(r.Body)
	if !json.Valid(raw) {
		s.problem("acknowledge body %q is not JSON", raw)
	}
	s.mu.Lock()
	_, known := s.replies[token]
	if known {
		s.acks[token] = append(s.acks[token], r.PathValue("sub"))
	}
	s.mu.Unlock()
	if !known {
		writeReply(w, reply{status: http.StatusNotFound, body: tokenNotFound})
		return
	}
	w.WriteHeader(http.StatusOK)
}

func writeReply(w http.ResponseWriter, a reply) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// Error answers of the Android Publisher API, as its real responses look.
const (
	tokenNotFound = `{"error":{"code":404,"message":"The purchase token was not found.","errors":[
		{"message":"The purchase token was not found.","domain":"androidpublisher","reason":"purchaseTokenNotFound","location":"token","locationType":"parameter"}],
		"status":"NOT_FOUND"}}`
	noLongerAvailable = `{"error":{"code":410,"message":"The subscription purchase is no longer available for query because it has been expired for too long.",
		"errors":[{"message":"The subscription purchase is no longer available for query because it has been expired for too long.",
		"domain":"androidpublisher","reason":"subscriptionPurchaseNoLongerAvailable"}],"status":"GONE"}}`
	backendError = `{"error":{"code":503,"message":"The service is currently unavailable.","errors":[
		{"message":"The service is currently unavailable.","domain":"global","reason":"backendError"}],"status":"UNAVAILABLE"}}`
	quotaExceeded    = `{"error":{"code":429,"message":"Quota exceeded for quota metric 'Queries'.","status":"RESOURCE_EXHAUSTED"}}`
	permissionDenied = `{"error":{"code":403,"message":"The current user has insufficient permissions to perform the requested operation.",
		"errors":[{"message":"The current user has insufficient permissions to perform the requested operation.","domain":"androidpublisher",
		"reason":"permissionDenied"}],"status":"PERMISSION_DENIED"}}`
	unauthenticated = `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`
)

// invalidValue is the API's answer to a malformed token; this one repeats the token, as a server might,
// to show that errors cut it out.
func invalidValue(token string) string {
	return `{"error":{"code":400,"message":"Invalid Value: ` + token + `","errors":[{"message":"Invalid Value","domain":"global","reason":"invalid"}],"status":"INVALID_ARGUMENT"}}`
}

// subscriptionJSON is a SubscriptionPurchaseV2 in state with one line item expiring at expiry.
func subscriptionJSON(state string, expiry time.Time, autoRenew bool) string {
	plan := `"autoRenewingPlan": {"autoRenewEnabled": ` + fmt.Sprint(autoRenew) + `}`
	return `{
		"kind": "androidpublisher#subscriptionPurchaseV2",
		"regionCode": "DE",
		"startTime": "2026-01-05T10:00:00.123Z",
		"subscriptionState": "` + state + `",
		"latestOrderId": "GPA.3345-1234-5678-90123..2",
		"acknowledgementState": "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED",
		"externalAccountIdentifiers": {"obfuscatedExternalAccountId": "hh_7f3a"},
		"lineItems": [{
			"productId": "homekeep_plus",
			"expiryTime": "` + expiry.UTC().Format(time.RFC3339Nano) + `",
			` + plan + `,
			"offerDetails": {"basePlanId": "monthly", "offerTags": []}
		}]
	}`
}
