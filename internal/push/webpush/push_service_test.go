package webpush

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
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// testPushService is a push service as a browser vendor runs one, started by the test: it holds the
// subscription's private key and auth secret (generated the way a browser does), decrypts each request's
// aes128gcm body per RFC 8291, verifies the VAPID Authorization header per RFC 8292 against the server's
// public key and subject, and answers with the statuses the test queued (201 once they run out).
type testPushService struct {
	server *httptest.Server

	// The subscription, as a browser would hand it to the server.
	endpoint string
	p256dh   string
	auth     string

	uaPrivate  *ecdh.PrivateKey
	authSecret []byte
	vapid      Keys
	subject    string

	mu       sync.Mutex
	answers  []testAnswer
	received []testReceived
}

// testAnswer is one queued answer: a status and an optional Retry-After.
type testAnswer struct {
	status     int
	retryAfter string
}

// testReceived is one request as the push service understood it. Problem is empty when the request was
// a valid Web Push request (decrypted, VAPID verified); otherwise it says what was wrong, and the service
// answered 400.
type testReceived struct {
	Problem  string
	Header   http.Header
	BodyLen  int
	Payload  payload
	Claims   jwt.MapClaims
	Path     string
	RawPlain []byte
}

// newTestPushService starts a TLS push service for a server with the VAPID keys and subject given, and
// makes a subscription on it.
func newTestPushService(t *testing.T, vapid Keys, subject string) *testPushService {
	t.Helper()
	uaPrivate, err := ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err, "generating the subscription's key pair")
	authSecret := make([]byte, authSecretLen)
	_, err = rand.Read(authSecret)
	require.NoError(t, err, "generating the auth secret")

	ps := &testPushService{
		uaPrivate:  uaPrivate,
		authSecret: authSecret,
		p256dh:     base64.RawURLEncoding.EncodeToString(uaPrivate.PublicKey().Bytes()),
		auth:       base64.RawURLEncoding.EncodeToString(authSecret),
		vapid:      vapid,
		subject:    subject,
	}
	ps.server = httptest.NewTLSServer(http.HandlerFunc(ps.handle))
	t.Cleanup(ps.server.Close)
	ps.endpoint = ps.server.URL + "/wpush/v2/gAAAAABsubscriptiontoken0123456789"
	return ps
}

// answer queues answers for the next requests, in order.
func (ps *testPushService) answer(answers ...testAnswer) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.answers = append(ps.answers, answers...)
}

// requests returns what the service has received so far.
func (ps *testPushService) requests() []testReceived {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]testReceived(nil), ps.received...)
}

func (ps *testPushService) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/hang" {
		// Answers nothing until the sender gives up. The body is read first: the server notices a closed
		// connection (and cancels r's context) only once it has read the whole request.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	}
	got := testReceived{Header: r.Header.Clone(), Path: r.URL.Path}
	body, err := io.ReadAll(r.Body)
	got.BodyLen = len(body)
	if err == nil {
		err = ps.check(r, body, &got)
	}
	ps.mu.Lock()
	answer := testAnswer{status: http.StatusCreated}
	if err != nil {
		got.Problem = err.Error()
		answer = testAnswer{status: http.StatusBadRequest}
	} else if status, ok := statusInPath(r.URL.Path); ok {
		answer = testAnswer{status: status}
	} else if len(ps.answers) > 0 {
		answer, ps.answers = ps.answers[0], ps.answers[1:]
	}
	ps.received = append(ps.received, got)
	ps.mu.Unlock()
	if answer.retryAfter != "" {
		w.Header().Set("Retry-After", answer.retryAfter)
	}
	w.WriteHeader(answer.status)
	if answer.status >= 300 {
		_, _ = fmt.Fprintf(w, `{"code":%d,"errno":0,"message":"answer for %s"}`, answer.status, r.URL.Path)
	}
}

// statusInPath reads the status an endpoint of the form /status/<code>/... asks for, which lets a test send
// messages answered differently in one Send, whose requests arrive in any order.
func statusInPath(path string) (int, bool) {
	rest, ok := strings.CutPrefix(path, "/status/")
	if !ok {
		return 0, false
	}
	code, _, _ := strings.Cut(rest, "/")
	status, err := strconv.Atoi(code)
	return status, err == nil
}

// check verifies a request the way a push service must before accepting it, filling got.
func (ps *testPushService) check(r *http.Request, body []byte, got *testReceived) error {
	if r.Method != http.MethodPost {
		return fmt.Errorf("method %s, want POST", r.Method)
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return fmt.Errorf("Content-Encoding %q, want aes128gcm", ce)
	}
	if r.Header.Get("TTL") == "" {
		return errors.New("no TTL header (RFC 8030 requires one)")
	}
	claims, err := ps.checkVAPID(r.Header.Get("Authorization"), "https://"+r.Host)
	if err != nil {
		return fmt.Errorf("VAPID: %w", err)
	}
	got.Claims = claims
	plain, err := ps.decrypt(body)
	if err != nil {
		return fmt.Errorf("decrypting: %w", err)
	}
	got.RawPlain = plain
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got.Payload); err != nil {
		return fmt.Errorf("payload is not the expected JSON: %w", err)
	}
	return nil
}

// checkVAPID verifies an Authorization header "vapid t=<JWT>, k=<public key>" (RFC 8292, section 3): k is
// the server's public key, and the JWT is ES256-signed by it, for this origin, expiring within 24 hours, with
// the server's subject.
func (ps *testPushService) checkVAPID(header, origin string) (jwt.MapClaims, error) {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return nil, fmt.Errorf("Authorization %q is not the vapid scheme", header)
	}
	params := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		params[name] = value
	}
	if params["k"] != ps.vapid.Public {
		return nil, fmt.Errorf("k=%q, want the server's public key %q", params["k"], ps.vapid.Public)
	}
	pubBytes, err := base64.RawURLEncoding.DecodeString(params["k"])
	if err != nil {
		return nil, fmt.Errorf("decoding k: %w", err)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pubBytes)
	if err != nil {
		return nil, fmt.Errorf("parsing k: %w", err)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(params["t"], claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithExpirationRequired(), jwt.WithAudience(origin))
	if err != nil {
		return nil, fmt.Errorf("verifying the JWT: %w", err)
	}
	exp, err := claims.GetExpirationTime()
	if err != nil {
		return nil, fmt.Errorf("reading exp: %w", err)
	}
	if exp.After(time.Now().Add(24 * time.Hour)) {
		return nil, fmt.Errorf("exp %s is more than 24 hours ahead", exp)
	}
	if aud, _ := claims["aud"].(string); aud != origin {
		return nil, fmt.Errorf("aud %q, want the endpoint's origin %q", aud, origin)
	}
	if sub, _ := claims["sub"].(string); sub != ps.subject {
		return nil, fmt.Errorf("sub %q, want the subject %q", sub, ps.subject)
	}
	return claims, nil
}

// decrypt is the user agent's side of RFC 8291 over RFC 8188's aes128gcm: it reads the header (salt, record
// size, key id = the sender's ephemeral public key), derives the key and nonce from the ECDH secret and the
// auth secret, opens the single record and strips the padding after its 0x02 delimiter.
func (ps *testPushService) decrypt(body []byte) ([]byte, error) {
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
	ecdhSecret, err := ps.uaPrivate.ECDH(asPublic)
	if err != nil {
		return nil, fmt.Errorf("ECDH: %w", err)
	}
	// RFC 8291, section 3.4: IKM from the ECDH secret, keyed by the auth secret.
	keyInfo := append(append([]byte("WebPush: info\x00"), ps.uaPrivate.PublicKey().Bytes()...), asPublicBytes...)
	ikm, err := hkdf.Key(sha256.New, ecdhSecret, ps.authSecret, string(keyInfo), 32)
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
		return nil, fmt.Errorf("AES: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("GCM: %w", err)
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
