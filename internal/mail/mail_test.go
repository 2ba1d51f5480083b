package mail

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

const testFrom = "Homekeep <no-reply@example.com>"

// newMailer builds a Mailer that logs JSON into the returned buffer, retries after 10ms instead of seconds,
// and is closed when the test ends.
func newMailer(t *testing.T, o Options) (*Mailer, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	m, err := New(o)
	require.NoError(t, err, "New(%+v)", o)
	m.retryBackoff = 10 * time.Millisecond // before the first Enqueue, which orders it before the worker reads it
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		_ = m.Close(ctx)
	})
	return m, logs
}

// parsed is a delivered message read back the way a mail client would.
type parsed struct {
	header  netmail.Header
	subject string
	body    string
}

func parseMail(t *testing.T, data []byte) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err, "the delivered DATA is not an RFC 5322 message:\n%s", data)
	body := msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	raw, err := io.ReadAll(body)
	require.NoError(t, err, "decoding the body")
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err, "decoding the Subject header")
	return parsed{header: msg.Header, subject: subject, body: strings.ReplaceAll(string(raw), "\r\n", "\n")}
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     Options
		wantErr  string // "" means New succeeds
		notInErr string
	}{
		{name: "LogOnlyNeedsNothing", opts: Options{}},
		{name: "SMTPWithCredentials", opts: Options{SMTPURL: "smtp://user:pass@mail.example.com:587", From: testFrom}},
		{name: "SMTPDefaultPort", opts: Options{SMTPURL: "smtp://mail.example.com", From: "no-reply@example.com"}},
		{name: "SMTPS", opts: Options{SMTPURL: "smtps://user:pass@mail.example.com", From: testFrom}},
		{name: "QueryOptions", opts: Options{SMTPURL: "smtp://mail.example.com?insecure_skip_verify=true&auth=login", From: testFrom}},
		{name: "WrongScheme", opts: Options{SMTPURL: "ftp://x", From: testFrom}, wantErr: "SMTP_URL"},
		{name: "NoScheme", opts: Options{SMTPURL: "mail.example.com:587", From: testFrom}, wantErr: "SMTP_URL"},
		{name: "MissingHost", opts: Options{SMTPURL: "smtp://", From: testFrom}, wantErr: "SMTP_URL: missing host"},
		{name: "MissingHostWithPort", opts: Options{SMTPURL: "smtp://user:pass@:587", From: testFrom}, wantErr: "SMTP_URL: missing host"},
		{name: "PortOutOfRange", opts: Options{SMTPURL: "smtp://mail.example.com:70000", From: testFrom}, wantErr: "SMTP_URL"},
		{
			name:    "MalformedURLDoesNotEchoPassword",
			opts:    Options{SMTPURL: "smtp://user:hunter2@mail.example.com:port", From: testFrom},
			wantErr: "SMTP_URL", notInErr: "hunter2",
		},
		{name: "UnknownQueryParameter", opts: Options{SMTPURL: "smtp://mail.example.com?tls=on", From: testFrom}, wantErr: "SMTP_URL"},
		{name: "BadInsecureSkipVerify", opts: Options{SMTPURL: "smtp://mail.example.com?insecure_skip_verify=maybe", From: testFrom}, wantErr: "SMTP_URL"},
		{name: "BadAuth", opts: Options{SMTPURL: "smtp://mail.example.com?auth=cram", From: testFrom}, wantErr: "SMTP_URL"},
		{name: "Path", opts: Options{SMTPURL: "smtp://mail.example.com/inbox", From: testFrom}, wantErr: "SMTP_URL"},
		{name: "MissingFrom", opts: Options{SMTPURL: "smtp://mail.example.com"}, wantErr: "MAIL_FROM"},
		{name: "InvalidFrom", opts: Options{SMTPURL: "smtp://mail.example.com", From: "Homekeep"}, wantErr: "MAIL_FROM"},
		{name: "InvalidFromInLogOnlyMode", opts: Options{From: "not an address"}, wantErr: "MAIL_FROM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.Logger = slog.New(slog.DiscardHandler)
			m, err := New(tt.opts)
			if tt.wantErr == "" {
				require.NoError(t, err, "New should accept %+v", tt.opts)
				require.NoError(t, m.Close(context.Background()), "closing an idle Mailer")
				return
			}
			require.ErrorContains(t, err, tt.wantErr, "New should reject %+v naming the setting", tt.opts)
			if tt.notInErr != "" {
				require.NotContains(t, err.Error(), tt.notInErr, "the error must not echo the password")
			}
		})
	}
}

func TestSendDelivers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		msg      Message
		wantRcpt string
	}{
		{
			name:     "PlainASCII",
			msg:      Message{To: "alice@example.com", Subject: "Your Homekeep verification code", Text: "Your code is 123456.\nIt expires in 15 minutes."},
			wantRcpt: "alice@example.com",
		},
		{
			name:     "NonASCIIWithDisplayName",
			msg:      Message{To: "Zoë Müller <zoe@example.org>", Subject: "Votre code de vérification", Text: "Bonjour Zoë, votre code est 654321 — valable 15 minutes."},
			wantRcpt: "zoe@example.org",
		},
		{
			name:     "LongLine",
			msg:      Message{To: "bob@example.net", Subject: "Reset your password", Text: strings.Repeat("long line ", 30) + "code 111222"},
			wantRcpt: "bob@example.net",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, serverOptions{})
			m, _ := newMailer(t, Options{SMTPURL: srv.url("smtp", nil, ""), From: testFrom})

			require.NoError(t, m.Send(context.Background(), tt.msg), "Send to a working server")
			got := srv.waitMail(t)

			require.Equal(t, "no-reply@example.com", got.From, "envelope sender is MAIL_FROM's address")
			require.Equal(t, []string{tt.wantRcpt}, got.To, "envelope recipient")
			require.False(t, got.TLS, "the test server offers no TLS")
			p := parseMail(t, got.Data)
			require.Equal(t, tt.msg.Subject, p.subject, "Subject header")
			require.Equal(t, tt.msg.Text, strings.TrimRight(p.body, "\n"), "body text after transfer decoding")
			from, err := netmail.ParseAddress(p.header.Get("From"))
			require.NoError(t, err, "From header")
			require.Equal(t, "no-reply@example.com", from.Address, "From header address")
			to, err := netmail.ParseAddress(p.header.Get("To"))
			require.NoError(t, err, "To header")
			require.Equal(t, tt.wantRcpt, to.Address, "To header address")
			mediaType, params, err := mime.ParseMediaType(p.header.Get("Content-Type"))
			require.NoError(t, err, "Content-Type header")
			require.Equal(t, "text/plain", mediaType, "plain text only")
			require.True(t, strings.EqualFold(params["charset"], "utf-8"), "charset is UTF-8, got %q", params["charset"])
			require.True(t, strings.HasSuffix(p.header.Get("Message-Id"), "@example.com>"),
				"Message-ID is named after the sending domain, got %q", p.header.Get("Message-Id"))
			_, err = p.header.Date()
			require.NoError(t, err, "Date header")
			require.Empty(t, p.header.Get("User-Agent"), "no library advertisement")
			require.Empty(t, p.header.Get("X-Mailer"), "no library advertisement")
		})
	}
}

func TestSendAuthenticates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		serverUser map[string]string
		urlUser    *url.Userinfo
		wantErr    string
	}{
		{name: "Plain", serverUser: map[string]string{"alice": "s3cret"}, urlUser: url.UserPassword("alice", "s3cret")},
		{
			name:       "PercentEncodedCredentials",
			serverUser: map[string]string{"mailer@example.com": "p@ss:w/rd %?#"},
			urlUser:    url.UserPassword("mailer@example.com", "p@ss:w/rd %?#"),
		},
		{name: "WrongPassword", serverUser: map[string]string{"alice": "other"}, urlUser: url.UserPassword("alice", "s3cret"), wantErr: "535"},
		{name: "MissingCredentials", serverUser: map[string]string{"alice": "s3cret"}, wantErr: "authenticate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, serverOptions{users: tt.serverUser})
			m, _ := newMailer(t, Options{SMTPURL: srv.url("smtp", tt.urlUser, ""), From: testFrom})

			err := m.Send(context.Background(), Message{To: "alice@example.com", Subject: "Code", Text: "123456"})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr, "the server refuses the session")
				require.ErrorContains(t, err, "error sending mail to alice@example.com", "errors name the recipient")
				require.Empty(t, srv.mails, "nothing is delivered")
				return
			}
			require.NoError(t, err, "PLAIN auth over plaintext to 127.0.0.1 is allowed")
			require.Equal(t, tt.urlUser.Username(), srv.waitMail(t).User, "the server saw AUTH PLAIN with the URL's user")
		})
	}
}

func TestSendTLS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		tls     string
		scheme  string
		query   string
		users   map[string]string
		urlUser *url.Userinfo
		wantErr string
	}{
		{name: "STARTTLS", tls: "starttls", scheme: "smtp", query: "insecure_skip_verify=true"},
		{name: "ImplicitTLS", tls: "implicit", scheme: "smtps", query: "insecure_skip_verify=true"},
		{
			name: "AutoAuthOverSTARTTLS", tls: "starttls", scheme: "smtp", query: "insecure_skip_verify=true&auth=auto",
			users: map[string]string{"alice": "s3cret"}, urlUser: url.UserPassword("alice", "s3cret"),
		},
		{name: "STARTTLSVerifiesCertificate", tls: "starttls", scheme: "smtp", wantErr: "certificate"},
		{name: "ImplicitTLSVerifiesCertificate", tls: "implicit", scheme: "smtps", wantErr: "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, serverOptions{tls: tt.tls, users: tt.users})
			m, _ := newMailer(t, Options{SMTPURL: srv.url(tt.scheme, tt.urlUser, tt.query), From: testFrom})

			err := m.Send(context.Background(), Message{To: "alice@example.com", Subject: "Code", Text: "123456"})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr, "a self-signed certificate is refused without insecure_skip_verify")
				return
			}
			require.NoError(t, err, "Send over TLS")
			got := srv.waitMail(t)
			require.True(t, got.TLS, "the message travelled over TLS")
			require.Equal(t, tt.urlUser.Username(), got.User, "AUTH happened over TLS when configured")
		})
	}
}

func TestEnqueueDeliversInBackground(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{})
	m, _ := newMailer(t, Options{SMTPURL: srv.url("smtp", nil, ""), From: testFrom})

	require.True(t, m.Enqueue(Message{To: "alice@example.com", Subject: "Code", Text: "Your code is 123456"}), "Enqueue accepts")
	got := srv.waitMail(t)
	require.Equal(t, []string{"alice@example.com"}, got.To, "the worker delivered it")
	require.Contains(t, parseMail(t, got.Data).body, "123456", "body")
}

func TestCloseDrainsQueue(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{block: true})
	m, _ := newMailer(t, Options{SMTPURL: srv.url("smtp", nil, ""), From: testFrom, QueueSize: 10})

	const n = 5
	for i := range n {
		require.True(t, m.Enqueue(Message{To: "alice@example.com", Subject: "Code", Text: strings.Repeat("1", i+1)}), "Enqueue %d", i)
	}
	select {
	case <-srv.dataStarted: // the first is in DATA, the other four are still queued
	case <-time.After(waitTimeout):
		t.Fatal("the worker never reached DATA")
	}
	srv.release()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, m.Close(ctx), "Close drains within the deadline")
	require.Len(t, srv.mails, n, "every queued message was delivered before Close returned")
	require.NoError(t, m.Close(ctx), "a second Close is a no-op")
}

func TestEnqueueQueueFull(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{block: true})
	m, logs := newMailer(t, Options{SMTPURL: srv.url("smtp", nil, ""), From: testFrom, QueueSize: 1})
	msg := Message{To: "alice@example.com", Subject: "Code", Text: "123456"}

	require.True(t, m.Enqueue(msg), "first message goes to the worker")
	select {
	case <-srv.dataStarted:
	case <-time.After(waitTimeout):
		t.Fatal("the worker never reached DATA")
	}
	require.True(t, m.Enqueue(msg), "second message fills the queue of one")
	third := make(chan bool, 1)
	go func() { third <- m.Enqueue(msg) }()
	select {
	case ok := <-third:
		require.False(t, ok, "third message does not fit")
	case <-time.After(time.Second):
		t.Fatal("Enqueue blocked on a full queue")
	}
	rec, ok := logs.find(t, "WARN", "queue full")
	require.True(t, ok, "a full queue is logged as a warning:\n%s", logs)
	require.Equal(t, "example.com", rec["to_domain"], "the warning names the domain only")

	srv.release()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, m.Close(ctx), "Close drains")
	require.Len(t, srv.mails, 2, "the two accepted messages were delivered, the rejected one was not")
}

func TestCloseGivesUpAtDeadline(t *testing.T) {
	t.Parallel()
	srv := startServer(t, serverOptions{block: true})
	m, logs := newMailer(t, Options{SMTPURL: srv.url("smtp", nil, ""), From: testFrom})
	msg := Message{To: "alice@example.com", Subject: "Code", Text: "123456"}

	require.True(t, m.Enqueue(msg), "first message goes to the worker")
	select {
	case <-srv.dataStarted:
	case <-time.After(waitTimeout):
		t.Fatal("the worker never reached DATA")
	}
	require.True(t, m.Enqueue(msg), "second message waits in the queue")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, m.Close(ctx), context.DeadlineExceeded, "Close returns when its context ends")
	require.False(t, m.Enqueue(msg), "a closed Mailer accepts nothing")
	_, ok := logs.find(t, "WARN", "mailer is closed")
	require.True(t, ok, "Enqueue after Close is logged:\n%s", logs)

	srv.release()
	select {
	case <-m.done:
	case <-time.After(waitTimeout):
		t.Fatal("the worker did not exit after the in-flight delivery")
	}
	require.Len(t, srv.mails, 1, "the in-flight message finished, the queued one was dropped")
	rec, ok := logs.find(t, "ERROR", "shutdown deadline passed")
	require.True(t, ok, "dropping at shutdown is logged:\n%s", logs)
	require.EqualValues(t, 1, rec["count"], "one message dropped")
}

func TestEnqueueRetry(t *testing.T) {
	t.Parallel()
	// Replies quote the address, as real servers do, to check it is kept out of the logs.
	tempFail := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "<alice@example.com>: try again later"}
	permFail := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<alice@example.com>: no such user"}
	tests := []struct {
		name          string
		replies       []*smtp.SMTPError
		wantDelivered int
		wantAttempts  int
		wantLevel     string
		wantLog       string
	}{
		{name: "TransientFailureIsRetried", replies: []*smtp.SMTPError{tempFail}, wantDelivered: 1, wantAttempts: 2, wantLevel: "WARN", wantLog: "retrying"},
		{name: "SecondFailureDrops", replies: []*smtp.SMTPError{tempFail, tempFail}, wantAttempts: 2, wantLevel: "ERROR", wantLog: "dropped after retry"},
		{name: "PermanentRejectionIsNotRetried", replies: []*smtp.SMTPError{permFail}, wantAttempts: 1, wantLevel: "ERROR", wantLog: "rejected by the SMTP server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, serverOptions{rcptReplies: tt.replies})
			m, logs := newMailer(t, Options{SMTPURL: srv.url("smtp", nil, ""), From: testFrom})

			require.True(t, m.Enqueue(Message{To: "alice@example.com", Subject: "Code", Text: "Your code is 123456"}), "Enqueue")
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			require.NoError(t, m.Close(ctx), "Close waits for the retry")

			require.Len(t, srv.mails, tt.wantDelivered, "delivered messages")
			require.Equal(t, tt.wantAttempts, srv.rcptCount(), "delivery attempts")
			rec, ok := logs.find(t, tt.wantLevel, tt.wantLog)
			require.True(t, ok, "want a %s record %q:\n%s", tt.wantLevel, tt.wantLog, logs)
			require.Equal(t, "example.com", rec["to_domain"], "failures name the recipient's domain")
			require.NotContains(t, logs.String(), "alice", "the recipient's address stays out of the logs")
			require.NotContains(t, logs.String(), "123456", "the message text stays out of the logs")
		})
	}
}

func TestLogOnlyMode(t *testing.T) {
	t.Parallel()
	msg := Message{To: "alice@example.com", Subject: "Your Homekeep verification code", Text: "Your code is 123456"}
	check := func(t *testing.T, logs *logBuffer) {
		t.Helper()
		rec, ok := logs.find(t, "INFO", "email not sent")
		require.True(t, ok, "the message is logged at info:\n%s", logs)
		require.Equal(t, msg.To, rec["to"], "to attribute")
		require.Equal(t, msg.Subject, rec["subject"], "subject attribute")
		require.Equal(t, msg.Text, rec["text"], "text attribute, where developers read the code")
	}

	t.Run("Send", func(t *testing.T) {
		t.Parallel()
		m, logs := newMailer(t, Options{})
		require.NoError(t, m.Send(context.Background(), msg), "Send without SMTP_URL only logs")
		check(t, logs)
	})
	t.Run("Enqueue", func(t *testing.T) {
		t.Parallel()
		m, logs := newMailer(t, Options{})
		require.True(t, m.Enqueue(msg), "Enqueue without SMTP_URL")
		require.NoError(t, m.Close(context.Background()), "Close drains")
		check(t, logs)
	})
}

func TestRejectsInvalidMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  Message
	}{
		{name: "EmptyRecipient", msg: Message{Subject: "Code", Text: "123456"}},
		{name: "RecipientWithoutDomain", msg: Message{To: "alice", Subject: "Code", Text: "123456"}},
		{name: "HeaderInjectionInSubject", msg: Message{To: "alice@example.com", Subject: "Code\r\nBcc: eve@example.com", Text: "123456"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, serverOptions{})
			m, _ := newMailer(t, Options{SMTPURL: srv.url("smtp", nil, ""), From: testFrom})

			require.ErrorContains(t, m.Send(context.Background(), tt.msg), "error sending mail to", "Send rejects it")
			require.False(t, m.Enqueue(tt.msg), "Enqueue rejects it")
			require.NoError(t, m.Close(context.Background()), "Close")
			require.Zero(t, srv.rcptCount(), "the server was never asked")
		})
	}
}

func TestSendFailures(t *testing.T) {
	t.Parallel()
	msg := Message{To: "alice@example.com", Subject: "Code", Text: "123456"}

	t.Run("ConnectionRefused", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err, "reserving a port")
		addr := ln.Addr().String()
		require.NoError(t, ln.Close(), "freeing the port so connections are refused")
		m, _ := newMailer(t, Options{SMTPURL: "smtp://" + addr, From: testFrom})

		err = m.Send(context.Background(), msg)
		require.ErrorIs(t, err, syscall.ECONNREFUSED, "Send reports the refused connection")
		require.ErrorContains(t, err, "error sending mail to alice@example.com", "wrapped with the recipient")
	})
	t.Run("ContextDeadlineBoundsConversation", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t, serverOptions{block: true})
		m, _ := newMailer(t, Options{SMTPURL: srv.url("smtp", nil, ""), From: testFrom})

		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		require.Error(t, m.Send(ctx, msg), "a server that hangs in DATA makes Send fail")
		require.Less(t, time.Since(start), 3*time.Second, "Send gives up near the context deadline, not after 30s")
	})
}
