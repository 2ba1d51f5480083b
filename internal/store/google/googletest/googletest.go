// Package googletest runs, for tests, what the Google Play side of subscriptions talks to: one HTTPS
// server that is Google's OAuth token endpoint (checking the service account's signed assertion), the
// Android Publisher API (subscriptionsv2.get and acknowledge, per purchase token as the test set it up) and
// the key set Pub/Sub's push tokens are checked against, and it signs push tokens with that key. It is a
// copy of package google's own test servers, which that package's internal tests cannot share.
package googletest

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
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/service"
)

// The identities the server and Configure use.
const (
	// PackageName is the test app's application id.
	PackageName = "app.homekeep.test"
	// PublisherEmail is the publisher service account's email.
	PublisherEmail = "play@homekeep-test.iam.gserviceaccount.com"
	// Audience is the push subscription's token audience.
	Audience = "https://homekeep.test/api/webhooks/google/push"
	// PushAccount is the service account the push subscription's tokens are issued for.
	PushAccount = "rtdn-push@homekeep-test.iam.gserviceaccount.com"
	// keyID is the publisher key's id; signingKID is the push-token key's id in the key set.
	keyID, signingKID = "sa-key-1", "google-signing-1"
)

// Purchase is what the fake API answers for a purchase token.
type Purchase struct {
	// State is a subscriptionState such as SUBSCRIPTION_STATE_ACTIVE.
	State string
	// ProductID is the line item's product.
	ProductID string
	// Expiry is the line item's expiryTime.
	Expiry time.Time
	// AutoRenew is the line item's autoRenewingPlan.autoRenewEnabled.
	AutoRenew bool
	// AccountID is the obfuscatedExternalAccountId (the account's app_account_id).
	AccountID string
	// LinkedToken is the linkedPurchaseToken.
	LinkedToken string
	// Acknowledged is the acknowledgementState; an acknowledge call sets it.
	Acknowledged bool
	// Status, when not zero, is the API's answer instead (503: Google's backend error).
	Status int
}

// Server is the fake Google.
type Server struct {
	*httptest.Server
	saKey, signKey *rsa.PrivateKey
	credentials    []byte

	mu        sync.Mutex
	issued    []string
	purchases map[string]Purchase
	acks      map[string][]string
	problems  []string
}

// Start runs a Server until the test ends, failing the test for anything wrong the server saw.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{saKey: newKey(t), signKey: newKey(t), purchases: map[string]Purchase{}, acks: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("GET /oauth2/v3/certs", s.certs)
	mux.HandleFunc("GET /androidpublisher/v3/applications/{pkg}/purchases/subscriptionsv2/tokens/{token}", s.get)
	mux.HandleFunc("POST /androidpublisher/v3/applications/{pkg}/purchases/subscriptions/{sub}/tokens/{tokenAction}", s.acknowledge)
	s.Server = httptest.NewTLSServer(mux)
	der, err := x509.MarshalPKCS8PrivateKey(s.saKey)
	if err != nil {
		t.Fatalf("encoding the key: %v", err)
	}
	s.credentials, err = json.Marshal(map[string]string{
		"type": "service_account", "project_id": "homekeep-test", "private_key_id": keyID,
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": PublisherEmail, "client_id": "1234567890", "token_uri": s.URL + "/token",
	})
	if err != nil {
		t.Fatalf("encoding the credentials: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.problems {
			t.Errorf("googletest: %s", p)
		}
	})
	return s
}

func newKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generating a key: %v", err)
	}
	return k
}

// Endpoints points the service at this server.
func (s *Server) Endpoints() *service.GoogleEndpoints {
	return &service.GoogleEndpoints{BaseURL: s.URL, JWKSURL: s.URL + "/oauth2/v3/certs", HTTPClient: s.Client()}
}

// Configure turns Google Play purchases on with this server's credentials and push tokens (Audience,
// PushAccount) as the push authentication.
func (s *Server) Configure(c *config.Config) {
	c.Google = config.Google{PackageName: PackageName, Credentials: s.credentials, PubSubAudience: Audience,
		PubSubEmail: PushAccount}
}

// Set makes the API answer p for token.
func (s *Server) Set(token string, p Purchase) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purchases[token] = p
}

// Acknowledgements returns the product ids token was acknowledged for, one per call.
func (s *Server) Acknowledgements(token string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.acks[token]...)
}

// PushToken signs a push token as Pub/Sub does, for Audience and PushAccount; edit changes its claims.
func (s *Server) PushToken(t testing.TB, edit func(jwt.MapClaims)) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{"iss": "https://accounts.google.com", "aud": Audience, "sub": "1137742644630",
		"email": PushAccount, "email_verified": true, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if edit != nil {
		edit(claims)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = signingKID
	signed, err := tok.SignedString(s.signKey)
	if err != nil {
		t.Fatalf("signing a push token: %v", err)
	}
	return signed
}

// Push is a Pub/Sub push body of notification under messageID.
func Push(messageID string, notification map[string]any) map[string]any {
	data, _ := json.Marshal(notification) //nolint:errchkjson // maps of plain values
	return map[string]any{
		"message": map[string]any{"data": base64.StdEncoding.EncodeToString(data), "messageId": messageID,
			"message_id": messageID, "publishTime": time.Now().UTC().Format(time.RFC3339Nano)},
		"subscription": "projects/homekeep-test/subscriptions/play-rtdn",
	}
}

// SubscriptionNotification is a developer notification of type typ about token at eventTime.
func SubscriptionNotification(typ int, token string, eventTime time.Time) map[string]any {
	return map[string]any{"version": "1.0", "packageName": PackageName, "eventTimeMillis": fmt.Sprint(eventTime.UnixMilli()),
		"subscriptionNotification": map[string]any{"version": "1.0", "notificationType": typ, "purchaseToken": token,
			"subscriptionId": "homekeep_pro"}}
}

// VoidedNotification says the subscription purchase token was refunded at eventTime.
func VoidedNotification(token string, eventTime time.Time) map[string]any {
	return map[string]any{"version": "1.0", "packageName": PackageName, "eventTimeMillis": fmt.Sprint(eventTime.UnixMilli()),
		"voidedPurchaseNotification": map[string]any{"purchaseToken": token, "orderId": "GPA.1234-5678-9012-34567",
			"productType": 1, "refundType": 1}}
}

// TestNotification is the Play Console's test notification.
func TestNotification(eventTime time.Time) map[string]any {
	return map[string]any{"version": "1.0", "packageName": PackageName, "eventTimeMillis": fmt.Sprint(eventTime.UnixMilli()),
		"testNotification": map[string]any{"version": "1.0"}}
}

func (s *Server) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// token is the OAuth token endpoint: RFC 7523's JWT bearer grant, checked against the publisher's key.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		s.problem("a token request that is not a JWT bearer grant")
		http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
		return
	}
	parts := strings.Split(r.PostForm.Get("assertion"), ".")
	if len(parts) != 3 {
		s.problem("an assertion of %d parts", len(parts))
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&s.saKey.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		s.problem("an assertion not signed with the publisher's key")
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	tok := fmt.Sprintf("ya29.test-access-%d", len(s.issued)+1)
	s.issued = append(s.issued, tok)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3599}`, tok)
}

// certs is the key set that signs push tokens.
func (s *Server) certs(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": signingKID,
		"n": base64.RawURLEncoding.EncodeToString(s.signKey.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(s.signKey.E)).Bytes()),
	}}})
}

// authorised checks an API call's access token and package.
func (s *Server) authorised(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	known := false
	for _, tok := range s.issued {
		known = known || auth == "Bearer "+tok
	}
	s.mu.Unlock()
	if !known {
		s.problem("an API call with an access token the server did not issue")
		http.Error(w, `{"error":{"code":401,"status":"UNAUTHENTICATED"}}`, http.StatusUnauthorized)
		return false
	}
	if pkg := r.PathValue("pkg"); pkg != PackageName {
		s.problem("an API call for package %q", pkg)
	}
	return true
}

// notFound is the API's answer for a token it does not know.
const notFound = `{"error":{"code":404,"message":"The purchase token was not found.","errors":[{"reason":"purchaseTokenNotFound"}],"status":"NOT_FOUND"}}`

// get is purchases.subscriptionsv2.get.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	if !s.authorised(w, r) {
		return
	}
	s.mu.Lock()
	p, ok := s.purchases[r.PathValue("token")]
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(notFound))
		return
	}
	if p.Status != 0 {
		w.WriteHeader(p.Status)
		_, _ = fmt.Fprintf(w, `{"error":{"code":%d,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}`, p.Status)
		return
	}
	ack := "ACKNOWLEDGEMENT_STATE_PENDING"
	if p.Acknowledged {
		ack = "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED"
	}
	doc := map[string]any{
		"kind": "androidpublisher#subscriptionPurchaseV2", "regionCode": "DE", "startTime": "2026-01-05T10:00:00.123Z",
		"subscriptionState": p.State, "latestOrderId": "GPA.3345-1234-5678-90123", "acknowledgementState": ack,
		"externalAccountIdentifiers": map[string]any{"obfuscatedExternalAccountId": p.AccountID},
		"lineItems": []map[string]any{{"productId": p.ProductID, "expiryTime": p.Expiry.UTC().Format(time.RFC3339Nano),
			"autoRenewingPlan": map[string]any{"autoRenewEnabled": p.AutoRenew}}},
	}
	if p.LinkedToken != "" {
		doc["linkedPurchaseToken"] = p.LinkedToken
	}
	_ = json.NewEncoder(w).Encode(doc)
}

// acknowledge is purchases.subscriptions.acknowledge ("{token}:acknowledge").
func (s *Server) acknowledge(w http.ResponseWriter, r *http.Request) {
	if !s.authorised(w, r) {
		return
	}
	token, ok := strings.CutSuffix(r.PathValue("tokenAction"), ":acknowledge")
	s.mu.Lock()
	p, known := s.purchases[token]
	if ok && known {
		s.acks[token] = append(s.acks[token], r.PathValue("sub"))
		p.Acknowledged = true
		s.purchases[token] = p
	}
	s.mu.Unlock()
	if !ok || !known {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(notFound))
		return
	}
	w.WriteHeader(http.StatusOK)
}
