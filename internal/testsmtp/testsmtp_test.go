package testsmtp

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/smtp"
	"strings"
	"sync"
	"testing"

	homemail "github.com/homekeep/homekeep/internal/mail"
)

// TestNextWakesEveryWaiter: parallel tests wait for their own recipients at the same time; each message must
// reach the waiter for its recipient, whichever waiter happened to be woken first.
func TestNextWakesEveryWaiter(t *testing.T) {
	t.Parallel()
	s := Start(t)
	addr := strings.TrimPrefix(s.URL, "smtp://")
	const n = 8
	var wg sync.WaitGroup
	got := make([]string, n)
	for i := range n {
		wg.Go(func() { got[i] = s.Next(t, fmt.Sprintf("user%d@example.com", i)).Subject })
	}
	for i := range n {
		to := fmt.Sprintf("user%d@example.com", n-1-i) // in the reverse order of the waiters
		msg := "To: " + to + "\r\nSubject: for " + to + "\r\n\r\nhello\r\n"
		if err := smtp.SendMail(addr, nil, "from@example.com", []string{to}, []byte(msg)); err != nil {
			t.Fatalf("sending to %s: %v", to, err)
		}
	}
	wg.Wait()
	for i, subj := range got {
		if want := fmt.Sprintf("for user%d@example.com", i); subj != want {
			t.Errorf("waiter %d got %q, want %q", i, subj, want)
		}
	}
}

// send delivers raw (CRLF line ends) to s from from@example.com.
func send(t *testing.T, s *Server, to, raw string) error {
	t.Helper()
	return smtp.SendMail(strings.TrimPrefix(s.URL, "smtp://"), nil, "from@example.com", []string{to}, []byte(raw))
}

// TestDataParsesMessages: Text and HTML come out of the parts a mailer writes, whatever their transfer
// encoding, so tests can read a notification's code or link from either rendering.
func TestDataParsesMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		raw      string
		wantText string
		wantHTML string
	}{
		{
			name:     "SinglePartAsBefore",
			raw:      "To: a@example.com\r\nSubject: =?UTF-8?q?Zo=C3=AB?=\r\nList-Unsubscribe: <https://x.example/u/t>\r\n\r\nYour code is 123456\r\n",
			wantText: "Your code is 123456\r\n",
		},
		{
			name: "SinglePartQuotedPrintable",
			raw: "To: a@example.com\r\nSubject: =?UTF-8?q?Zo=C3=AB?=\r\nList-Unsubscribe: <https://x.example/u/t>\r\n" +
				"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nZo=C3=AB, your code is 123456\r\n",
			wantText: "Zoë, your code is 123456\r\n",
		},
		{
			name: "SinglePartHTML",
			raw: "To: a@example.com\r\nSubject: =?UTF-8?q?Zo=C3=AB?=\r\nList-Unsubscribe: <https://x.example/u/t>\r\n" +
				"Content-Type: text/html; charset=UTF-8\r\n\r\n<p>Your code is 123456</p>\r\n",
			wantHTML: "<p>Your code is 123456</p>\r\n",
		},
		{
			name: "MultipartAlternative",
			raw: "To: a@example.com\r\nSubject: =?UTF-8?q?Zo=C3=AB?=\r\nList-Unsubscribe: <https://x.example/u/t>\r\n" +
				"MIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary=b1\r\n\r\n" +
				"--b1\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" +
				"Zo=C3=AB, your code is 123456 and this line is long enough that quoted-printable =\r\nsoft-breaks it\r\n" +
				"--b1\r\nContent-Transfer-Encoding: base64\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n" +
				base64Lines("<p>Zoë, your code is <b>123456</b></p>") +
				"--b1--\r\n",
			wantText: "Zoë, your code is 123456 and this line is long enough that quoted-printable soft-breaks it",
			wantHTML: "<p>Zoë, your code is <b>123456</b></p>",
		},
		{
			name: "AlternativeInsideMixed",
			raw: "To: a@example.com\r\nSubject: =?UTF-8?q?Zo=C3=AB?=\r\nList-Unsubscribe: <https://x.example/u/t>\r\n" +
				"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n" +
				"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
				"--inner\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nYour code is 123456\r\n" +
				"--inner\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>Your code is 123456</p>\r\n" +
				"--inner--\r\n" +
				"--outer\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\nnot the body\r\n" +
				"--outer--\r\n",
			wantText: "Your code is 123456",
			wantHTML: "<p>Your code is 123456</p>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t)
			if err := send(t, s, "a@example.com", tt.raw); err != nil {
				t.Fatalf("sending: %v", err)
			}
			got := s.Next(t, "a@example.com")
			if got.Text != tt.wantText {
				t.Errorf("Text = %q, want %q", got.Text, tt.wantText)
			}
			if got.HTML != tt.wantHTML {
				t.Errorf("HTML = %q, want %q", got.HTML, tt.wantHTML)
			}
			if got.Subject != "Zoë" {
				t.Errorf("Subject = %q, want %q", got.Subject, "Zoë")
			}
			if h := got.Header.Get("List-Unsubscribe"); h != "<https://x.example/u/t>" {
				t.Errorf("Header.Get(List-Unsubscribe) = %q, want %q", h, "<https://x.example/u/t>")
			}
			if tt.wantText != "" { // Code reads Text only
				if c := got.Code(t); c != "123456" {
					t.Errorf("Code = %q, want 123456", c)
				}
			}
		})
	}
}

// TestDataRejectsBrokenMultipart: a multipart message the server cannot read is refused in the SMTP
// conversation, so the sender's error names the problem instead of a test timing out in Next.
func TestDataRejectsBrokenMultipart(t *testing.T) {
	t.Parallel()
	s := Start(t)
	raw := "To: a@example.com\r\nSubject: x\r\nContent-Type: multipart/alternative\r\n\r\n--b1\r\n\r\nhello\r\n--b1--\r\n"
	err := send(t, s, "a@example.com", raw)
	if err == nil || !strings.Contains(err.Error(), "554") || !strings.Contains(err.Error(), "boundary") {
		t.Fatalf("sending a multipart message without a boundary: got error %v, want a 554 reply naming the boundary", err)
	}
	if n := s.Count("a@example.com"); n != 0 {
		t.Errorf("Count = %d after a refused message, want 0", n)
	}
}

// base64Lines encodes s as a base64 body with CRLF line ends, as mailers write it.
func base64Lines(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 20 { // short lines, so decoding must join them
		b.WriteString(enc[:20] + "\r\n")
		enc = enc[20:]
	}
	b.WriteString(enc + "\r\n")
	return b.String()
}

// TestReadsWhatTheMailerSends: the notification emails the app sends through package mail (go-mail's
// multipart/alternative, quoted-printable parts) come out of the inbox as their Text, HTML and headers.
func TestReadsWhatTheMailerSends(t *testing.T) {
	t.Parallel()
	s := Start(t)
	m, err := homemail.New(homemail.Options{SMTPURL: s.URL, From: "Homekeep <no-reply@example.com>", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("mail.New: %v", err)
	}
	want := homemail.Message{
		To:      "zoe@example.com",
		Subject: "Chores due today",
		Text:    "Zoë, water the plants. " + strings.Repeat("long line ", 12),
		HTML:    "<p>Zoë, <b>water the plants</b>. " + strings.Repeat("long line ", 12) + "</p>",
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://homekeep.example.com/unsubscribe/t0k3n>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	}
	if err := m.Send(context.Background(), want); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := s.Next(t, want.To)
	if got.Subject != want.Subject {
		t.Errorf("Subject = %q, want %q", got.Subject, want.Subject)
	}
	if text := strings.TrimRight(got.Text, "\r\n"); text != want.Text {
		t.Errorf("Text = %q, want %q", text, want.Text)
	}
	if html := strings.TrimRight(got.HTML, "\r\n"); html != want.HTML {
		t.Errorf("HTML = %q, want %q", html, want.HTML)
	}
	for name, value := range want.Headers {
		if v := got.Header.Get(name); v != value {
			t.Errorf("Header.Get(%q) = %q, want %q", name, v, value)
		}
	}
}
