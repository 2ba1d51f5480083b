package mail

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

// waitTimeout bounds every wait on the test server, so a broken mailer fails the test instead of hanging it.
const waitTimeout = 10 * time.Second

// received is one message as the test SMTP server saw it.
type received struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO)
	Data []byte   // the raw message after DATA
	User string   // the AUTH PLAIN user name, "" without AUTH
	TLS  bool     // whether the session ran over TLS (implicit or STARTTLS)
}

// serverOptions shapes the test server's behaviour.
type serverOptions struct {
	// users are the AUTH PLAIN credentials the server accepts; nil means AUTH is not offered.
	users map[string]string
	// tls is "" (plaintext), "starttls" (STARTTLS offered) or "implicit" (TLS from the first byte).
	tls string
	// block makes DATA wait until release is called, after signalling dataStarted.
	block bool
	// rcptReplies answer successive RCPT commands (nil accepts); once used up every RCPT is accepted.
	rcptReplies []*smtp.SMTPError
}

// testServer is a real SMTP server on 127.0.0.1, so the tests exercise go-mail's whole conversation.
type testServer struct {
	host, port  string
	opts        serverOptions
	mails       chan received
	dataStarted chan struct{}
	releaseCh   chan struct{}
	releaseOnce sync.Once

	mu    sync.Mutex
	rcpts int // RCPT commands seen, one per delivery attempt here
}

func startServer(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	s := &testServer{
		opts:        o,
		mails:       make(chan received, 16),
		dataStarted: make(chan struct{}, 16),
		releaseCh:   make(chan struct{}),
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // offer AUTH without TLS; go-mail still sends PLAIN in clear only to 127.0.0.1
	srv.ReadTimeout = waitTimeout
	srv.WriteTimeout = waitTimeout
	srv.ErrorLog = log.New(io.Discard, "", 0)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "listening for the test SMTP server")
	switch o.tls {
	case "":
	case "starttls":
		srv.TLSConfig = selfSignedTLS(t)
	case "implicit":
		srv.TLSConfig = selfSignedTLS(t)
		ln = tls.NewListener(ln, srv.TLSConfig)
	default:
		t.Fatalf("unknown tls mode %q", o.tls)
	}
	s.host, s.port, err = net.SplitHostPort(ln.Addr().String())
	require.NoError(t, err, "splitting the listener address")
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		s.release() // unblock a DATA still waiting so its goroutine ends
		_ = srv.Close()
		// srv.Close closes only the listeners Serve has registered; a test that ends before Serve got that far
		// would leave it accepting on ln for good.
		_ = ln.Close()
		<-served
	})
	return s
}

// url returns an SMTP_URL for this server; user may be nil.
func (s *testServer) url(scheme string, user *url.Userinfo, query string) string {
	u := url.URL{Scheme: scheme, User: user, Host: net.JoinHostPort(s.host, s.port), RawQuery: query}
	return u.String()
}

func (s *testServer) release() { s.releaseOnce.Do(func() { close(s.releaseCh) }) }

func (s *testServer) rcptCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcpts
}

// waitMail returns the next delivered message or fails the test after waitTimeout.
func (s *testServer) waitMail(t *testing.T) received {
	t.Helper()
	select {
	case r := <-s.mails:
		return r
	case <-time.After(waitTimeout):
		t.Fatal("no email reached the test SMTP server")
		return received{}
	}
}

// session implements smtp.Session and smtp.AuthSession.
type session struct {
	srv  *testServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string {
	if s.srv.opts.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		want, ok := s.srv.opts.users[username]
		if !ok || password != want {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.opts.users != nil && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	n := s.srv.rcpts
	s.srv.rcpts++
	s.srv.mu.Unlock()
	if n < len(s.srv.opts.rcptReplies) && s.srv.opts.rcptReplies[n] != nil {
		return s.srv.opts.rcptReplies[n]
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.srv.opts.block {
		s.srv.dataStarted <- struct{}{}
		<-s.srv.releaseCh
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.srv.mails <- received{From: s.from, To: s.to, Data: data, User: s.user, TLS: isTLS}
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }

// selfSignedTLS makes a certificate for 127.0.0.1 that no client trusts, as a test relay would have.
func selfSignedTLS(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err, "generating a key")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "homekeep test smtp"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err, "self-signing the certificate")
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	}
}

// logBuffer collects JSON log records; the worker goroutine writes while tests read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records parses every log line written so far.
func (b *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(b.buf.String()) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), "log line %q is not JSON", line)
		out = append(out, rec)
	}
	return out
}

// find returns the first record at level whose message contains msg.
func (b *logBuffer) find(t *testing.T, level, msg string) (map[string]any, bool) {
	t.Helper()
	for _, rec := range b.records(t) {
		if rec["level"] == level && strings.Contains(fmt.Sprint(rec["msg"]), msg) {
			return rec, true
		}
	}
	return nil, false
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
