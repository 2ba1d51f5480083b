package apns

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
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Identities the test server expects in every token and request.
const (
	testKeyID  = "ABC123DEFG"
	testTeamID = "TEAM123456"
	testTopic  = "app.homekeep.ios"
)

// reply is one answer of the test server.
type reply struct {
	status     int
	reason     string
	retryAfter string
}

// request is what the test server saw of one push.
type request struct {
	header  http.Header
	payload map[string]any
	proto   int
}

// apnsServer is an HTTP/2 TLS server that speaks APNs: it checks each request's provider token against the
// public half of the test's key, and answers each device token with the replies the test queued for it, in
// order (the last one repeats); a token with none queued gets 200.
type apnsServer struct {
	*httptest.Server

	pub *ecdsa.PublicKey

	mu       sync.Mutex
	replies  map[string][]reply
	requests map[string][]request
	// problems are what the server found wrong with a request; the test fails on any.
	problems []string
}

// newAPNsServer starts an apnsServer and returns it with the .p8 PEM of the key it accepts. Both are closed
// when the test ends.
func newAPNsServer(t *testing.T) (*apnsServer, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	s := &apnsServer{pub: &key.PublicKey, replies: map[string][]reply{}, requests: map[string][]request{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.EnableHTTP2 = true
	s.StartTLS()
	t.Cleanup(func() {
		s.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		require.Empty(t, s.problems, "what the APNs test server found wrong in the requests")
	})
	return s, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// answer queues replies for a device token.
func (s *apnsServer) answer(token string, replies ...reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies[token] = append(s.replies[token], replies...)
}

// seen returns the requests made for a device token.
func (s *apnsServer) seen(token string) []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[token]
}

func (s *apnsServer) serve(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.URL.Path, "/3/device/")
	if r.Method != http.MethodPost || !ok {
		s.problem("unexpected request %s %s", r.Method, r.URL.Path)
		writeReply(w, reply{status: http.StatusNotFound, reason: "BadPath"})
		return
	}
	if err := s.checkBearer(r.Header.Get("Authorization")); err != nil {
		s.problem("provider token: %v", err)
		writeReply(w, reply{status: http.StatusForbidden, reason: "InvalidProviderToken"})
		return
	}
	var payload map[string]any
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(body, &payload)
	}
	if err != nil {
		s.problem("payload: %v", err)
	}
	s.mu.Lock()
	s.requests[token] = append(s.requests[token], request{header: r.Header.Clone(), payload: payload, proto: r.ProtoMajor})
	rep := reply{status: http.StatusOK}
	if q := s.replies[token]; len(q) > 0 {
		rep = q[0]
		if len(q) > 1 {
			s.replies[token] = q[1:]
		}
	}
	s.mu.Unlock()
	writeReply(w, rep)
}

func (s *apnsServer) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// checkBearer verifies an APNs provider token: an ES256 JWT whose signature the test key's public half
// verifies, with the key id as kid and the team id as iss.
func (s *apnsServer) checkBearer(auth string) error {
	jwt, ok := strings.CutPrefix(auth, "bearer ")
	if !ok {
		return fmt.Errorf("authorization %q is not a bearer token", auth)
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
	if header.Alg != "ES256" || header.Kid != testKeyID || claims.Iss != testTeamID || claims.Iat == 0 {
		return fmt.Errorf("header %+v, claims %+v; want ES256, kid %s, iss %s and an iat", header, claims,
			testKeyID, testTeamID)
	}
	return nil
}

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

func writeReply(w http.ResponseWriter, rep reply) {
	if rep.retryAfter != "" {
		w.Header().Set("Retry-After", rep.retryAfter)
	}
	if rep.status == http.StatusOK {
		w.Header().Set("apns-id", "8ec1f5b9-4a51-4f5b-9b7c-0c2d6e1b7a31")
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"reason": rep.reason})
}
