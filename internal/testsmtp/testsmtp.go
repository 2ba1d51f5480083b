// Package testsmtp runs a real SMTP server inside a test, so tests see exactly what Homekeep delivered: the
// whole SMTP conversation happens over a socket, and the test reads the message (and the code in it) from the
// inbox.
package testsmtp

import (
	"io"
	"log"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one delivered email, read back as a mail client would.
type Message struct {
	// From is the envelope sender (MAIL FROM).
	From string
	// To are the envelope recipients (RCPT TO).
	To []string
	// Subject is the Subject header, RFC 2047-decoded.
	Subject string
	// Text is the text/plain body after transfer decoding: the whole body of a single-part message (one
	// without Content-Type included, as before multipart was read), or the first text/plain part of a
	// multipart one. Line ends stay CRLF.
	Text string
	// HTML is the text/html body after transfer decoding, from a multipart/alternative message or a
	// single-part text/html one; "" when the message has no HTML.
	HTML string
	// Header holds the top-level header fields as sent (values not RFC 2047-decoded); Header.Get finds a
	// field in any case, e.g. Header.Get("List-Unsubscribe").
	Header mail.Header
}

// Server is a running SMTP server with an inbox.
type Server struct {
	// URL is what SMTP_URL should be set to.
	URL string

	mu  sync.Mutex
	all []Message
	// arrived is closed (and replaced) whenever a message arrives, waking every waiting Next at once: tests
	// wait for different recipients in parallel, and a wake-up handed to one waiter only could leave another
	// asleep next to its message.
	arrived chan struct{}
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testsmtp: listen: %v", err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	s.URL = "smtp://" + ln.Addr().String()
	return s
}

// Next waits for the next message to addr (other recipients' messages are kept for their own Next).
func (s *Server) Next(t testing.TB, to string) Message {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		for i, m := range s.all {
			if len(m.To) > 0 && strings.EqualFold(m.To[0], to) {
				s.all = append(s.all[:i], s.all[i+1:]...)
				s.mu.Unlock()
				return m
			}
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline:
			t.Fatalf("testsmtp: no message to %s within 10s", to)
		}
	}
}

// Count returns how many undelivered-to-Next messages are addressed to addr.
func (s *Server) Count(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.all {
		if len(m.To) > 0 && strings.EqualFold(m.To[0], to) {
			n++
		}
	}
	return n
}

var codeRe = regexp.MustCompile(`\b\d{6}\b`)

// Code returns the 6-digit code in the message text, failing the test if there is none.
func (m Message) Code(t testing.TB) string {
	t.Helper()
	c := codeRe.FindString(m.Text)
	if c == "" {
		t.Fatalf("testsmtp: no 6-digit code in %q", m.Text)
	}
	return c
}

type session struct {
	srv  *Server
	from string
	to   []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error   { s.to = append(s.to, to); return nil }
func (s *session) Reset()                                      { s.from, s.to = "", nil }
func (s *session) Logout() error                               { return nil }

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: s.from, To: s.to}
	if err := m.parse(raw); err != nil {
		// Refused in the conversation, so the sender's error says what is wrong with the message instead of
		// the test timing out in Next.
		return &smtp.SMTPError{
			Code:         554,
			EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message:      "testsmtp: cannot read the message: " + strings.ReplaceAll(err.Error(), "\n", " "),
		}
	}
	s.srv.mu.Lock()
	s.srv.all = append(s.srv.all, m)
	close(s.srv.arrived)
	s.srv.arrived = make(chan struct{})
	s.srv.mu.Unlock()
	return nil
}
