package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/textproto"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

const testFrom = "Homekeep <no-reply@example.com>"

// newMailer builds a Mailer that logs JSON into the returned buffer.
func newMailer(t *testing.T, o Options) (*Mailer, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	m, err := New(o)
	require.NoError(t, err, "New(%+v)", o)
	return m, logs
}

// parsed is a delivered message read back the way a mail client would.
type parsed struct {
	header  netmail.Header
	subject string
	body    string       // the decoded body of a single-part message; "" for a multipart one
	parts   []parsedPart // the parts of a multipart message, in order; nil for a single-part one
}

// parsedPart is one part of a multipart message.
type parsedPart struct {
	mediaType string
	charset   string
	body      string // after transfer decoding, with LF line ends
}

func parseMail(t *testing.T, data []byte) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	require.NoError(t, err, "the delivered DATA is not an RFC 5322 message:\n%s", data)
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err, "decoding the Subject header")
	p := parsed{header: msg.Header, subject: subject}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err, "Content-Type header")
	if !strings.HasPrefix(mediaType, "multipart/") {
		p.body = decodeBody(t, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return p
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return p
		}
		require.NoError(t, err, "reading part %d of:\n%s", len(p.parts), data)
		partType, partParams, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		require.NoError(t, err, "Content-Type of part %d", len(p.parts))
		p.parts = append(p.parts, parsedPart{
			mediaType: partType,
			charset:   strings.ToLower(partParams["charset"]),
			body:      decodeBody(t, part.Header.Get("Content-Transfer-Encoding"), part),
		})
	}
}

// decodeBody undoes a body's transfer encoding and turns CRLF line ends into LF.
func decodeBody(t *testing.T, encoding string, body io.Reader) string {
	t.Helper()
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	raw, err := io.ReadAll(body)
	require.NoError(t, err, "decoding a %q body", encoding)
	return strings.ReplaceAll(string(raw), "\r\n", "\n")
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
				require.NotNil(t, m)
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

func TestSendHTMLAndHeaders(t *testing.T) {
	t.Parallel()
	unsubscribe := map[string]string{
		"List-Unsubscribe":      "<https://homekeep.example.com/unsubscribe/" + strings.Repeat("t0k3n", 20) + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}
	tests := []struct {
		name          string
		msg           Message
		wantMultipart bool
	}{
		{
			name: "HTMLIsAnAlternativeToText",
			msg: Message{
				To: "alice@example.com", Subject: "Chores due today",
				Text:    "Zoë, 2 chores are due today:\n- Water the plants\n- " + strings.Repeat("long line ", 12),
				HTML:    "<p>Zoë, 2 chores are due today:</p>\n<ul><li>Water the plants</li><li>" + strings.Repeat("long line ", 12) + "</li></ul>",
				Headers: unsubscribe,
			},
			wantMultipart: true,
		},
		{
			name: "HeadersWithoutHTMLStayPlainText",
			msg: Message{
				To: "alice@example.com", Subject: "Chores due today", Text: "2 chores are due today.",
				Headers: unsubscribe,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, serverOptions{})
			m, _ := newMailer(t, Options{SMTPURL: srv.url("smtp", nil, ""), From: testFrom})

			require.NoError(t, m.Send(context.Background(), tt.msg), "Send to a working server")
			p := parseMail(t, srv.waitMail(t).Data)

			require.Equal(t, tt.msg.Subject, p.subject, "Subject header")
			for name, want := range tt.msg.Headers {
				require.Equal(t, []string{want}, p.header[textproto.CanonicalMIMEHeaderKey(name)], "%s header, exactly once", name)
			}
			require.True(t, strings.HasSuffix(p.header.Get("Message-Id"), "@example.com>"),
				"the mailer's own headers are still there, got Message-ID %q", p.header.Get("Message-Id"))
			mediaType, _, err := mime.ParseMediaType(p.header.Get("Content-Type"))
			require.NoError(t, err, "Content-Type header")
			if !tt.wantMultipart {
				require.Equal(t, "text/plain", mediaType, "no HTML, no multipart")
				require.Equal(t, tt.msg.Text, strings.TrimRight(p.body, "\n"), "body text after transfer decoding")
				return
			}
			require.Equal(t, "multipart/alternative", mediaType, "text and HTML are alternatives of one another")
			require.Len(t, p.parts, 2, "one text part and one HTML part: %+v", p.parts)
			// RFC 2046: alternatives go from the plainest to the richest, and clients show the last one they can.
			require.Equal(t, "text/plain", p.parts[0].mediaType, "first part")
			require.Equal(t, "utf-8", p.parts[0].charset, "text part charset")
			require.Equal(t, tt.msg.Text, strings.TrimRight(p.parts[0].body, "\n"), "text part after transfer decoding")
			require.Equal(t, "text/html", p.parts[1].mediaType, "second part")
			require.Equal(t, "utf-8", p.parts[1].charset, "HTML part charset")
			require.Equal(t, tt.msg.HTML, strings.TrimRight(p.parts[1].body, "\n"), "HTML part after transfer decoding")
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
				require.ErrorContains(t, err, "error sending mail to a recipient at example.com", "errors name the recipient's domain")
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

func TestSendErrorsNameTheDomainOnly(t *testing.T) {
	t.Parallel()
	// Replies quote the address, as real servers do, to check it is kept out of the error the job queue stores.
	tempFail := &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "<alice@example.com>: try again later"}
	permFail := &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<alice@example.com>: no such user"}
	tests := []struct {
		name          string
		reply         *smtp.SMTPError
		wantPermanent bool
	}{
		{name: "TransientFailureIsWorthRetrying", reply: tempFail},
		{name: "RejectionIsPermanent", reply: permFail, wantPermanent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, serverOptions{rcptReplies: []*smtp.SMTPError{tt.reply}})
			m, _ := newMailer(t, Options{SMTPURL: srv.url("smtp", nil, ""), From: testFrom})

			err := m.Send(context.Background(), Message{To: "Alice <alice@example.com>", Subject: "Code", Text: "Your code is 123456"})
			require.Error(t, err)
			require.Equal(t, tt.wantPermanent, Permanent(err), "Permanent(%v)", err)
			require.ErrorContains(t, err, "error sending mail to a recipient at example.com")
			require.NotContains(t, strings.ToLower(err.Error()), "alice", "the recipient's address stays out of the error")
			require.NotContains(t, err.Error(), "123456", "the message text stays out of the error")
			var se *SendError
			require.ErrorAs(t, err, &se)
			require.Equal(t, "example.com", se.Domain)
		})
	}
	require.False(t, Permanent(nil), "no error is not a rejection")
	require.False(t, Permanent(context.DeadlineExceeded), "a timeout is worth retrying")
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
	t.Run("HTMLIsNotLogged", func(t *testing.T) {
		t.Parallel()
		m, logs := newMailer(t, Options{})
		html := msg
		html.HTML = "<p>Your code is <b>123456</b></p>"
		html.Headers = map[string]string{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
		require.NoError(t, m.Send(context.Background(), html), "Send without SMTP_URL only logs")
		check(t, logs)
		rec, _ := logs.find(t, "INFO", "email not sent")
		require.Equal(t, map[string]any{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}, rec["headers"], "headers attribute")
		require.NotContains(t, logs.String(), "<b>", "the HTML repeats the text and stays out of the log")
	})
	t.Run("InvalidHeadersAreRejectedToo", func(t *testing.T) {
		t.Parallel()
		m, logs := newMailer(t, Options{})
		bad := msg
		bad.Headers = map[string]string{"From": "eve@example.com"}
		require.ErrorContains(t, m.Send(context.Background(), bad), `header "From" is set by the mailer`,
			"log-only mode validates as SMTP mode does, so a bad message fails in development too")
		_, logged := logs.find(t, "INFO", "email not sent")
		require.False(t, logged, "a rejected message is not logged as if sent:\n%s", logs)
	})
}

func TestRejectsInvalidMessage(t *testing.T) {
	t.Parallel()
	withHeaders := func(h map[string]string) Message {
		return Message{To: "alice@example.com", Subject: "Chores", Text: "2 chores", HTML: "<p>2 chores</p>", Headers: h}
	}
	const unsubscribeURL = "<https://homekeep.example.com/unsubscribe/t0k3n>"
	tests := []struct {
		name     string
		msg      Message
		wantErr  string // besides "error sending mail to"
		notInErr string
	}{
		{name: "EmptyRecipient", msg: Message{Subject: "Code", Text: "123456"}},
		{name: "RecipientWithoutDomain", msg: Message{To: "alice", Subject: "Code", Text: "123456"}},
		{name: "HeaderInjectionInSubject", msg: Message{To: "alice@example.com", Subject: "Code\r\nBcc: eve@example.com", Text: "123456"}},
		{
			name: "HTMLWithoutText", msg: Message{To: "alice@example.com", Subject: "Chores", HTML: "<p>2 chores</p>"},
			wantErr: "HTML without Text",
		},
		{name: "EmptyHeaderName", msg: withHeaders(map[string]string{"": "x"}), wantErr: `header name ""`},
		{
			name:    "HeaderNameWithColon",
			msg:     withHeaders(map[string]string{"X-Note: x\r\nBcc": "eve@example.com"}),
			wantErr: "only letters, digits and hyphens",
		},
		{name: "HeaderNameWithSpace", msg: withHeaders(map[string]string{"List Unsubscribe": unsubscribeURL}), wantErr: "only letters, digits and hyphens"},
		{name: "HeaderNameWithUnderscore", msg: withHeaders(map[string]string{"List_Unsubscribe": unsubscribeURL}), wantErr: "only letters, digits and hyphens"},
		{name: "NonASCIIHeaderName", msg: withHeaders(map[string]string{"Liste-Désabonnement": unsubscribeURL}), wantErr: "only letters, digits and hyphens"},
		{
			name:     "HeaderValueWithCRLF",
			msg:      withHeaders(map[string]string{"List-Unsubscribe": unsubscribeURL + "\r\nBcc: eve@example.com"}),
			wantErr:  `header "List-Unsubscribe": value contains a line break`,
			notInErr: "t0k3n",
		},
		{
			name:    "HeaderValueWithLF",
			msg:     withHeaders(map[string]string{"List-Unsubscribe": unsubscribeURL + "\nBcc: eve@example.com"}),
			wantErr: `header "List-Unsubscribe": value contains a line break`,
		},
		{
			name:    "HeaderValueWithCR",
			msg:     withHeaders(map[string]string{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click\r"}),
			wantErr: `header "List-Unsubscribe-Post": value contains a line break`,
		},
		{name: "OverridesFrom", msg: withHeaders(map[string]string{"From": "eve@example.com"}), wantErr: `header "From" is set by the mailer`},
		{name: "OverridesTo", msg: withHeaders(map[string]string{"to": "eve@example.com"}), wantErr: `header "to" is set by the mailer`},
		{name: "AddsBcc", msg: withHeaders(map[string]string{"Bcc": "eve@example.com"}), wantErr: `header "Bcc" is set by the mailer`},
		{name: "OverridesSubject", msg: withHeaders(map[string]string{"SUBJECT": "Win a prize"}), wantErr: `header "SUBJECT" is set by the mailer`},
		{name: "OverridesDate", msg: withHeaders(map[string]string{"Date": "Mon, 1 Jan 2024 00:00:00 +0000"}), wantErr: `header "Date" is set by the mailer`},
		{name: "OverridesMessageID", msg: withHeaders(map[string]string{"Message-Id": "<x@evil.example>"}), wantErr: `header "Message-Id" is set by the mailer`},
		{name: "OverridesMIMEVersion", msg: withHeaders(map[string]string{"MIME-Version": "2.0"}), wantErr: `header "MIME-Version" is set by the mailer`},
		{name: "OverridesContentType", msg: withHeaders(map[string]string{"Content-Type": "text/html"}), wantErr: `header "Content-Type" is set by the mailer`},
		{
			name:    "OverridesContentTransferEncoding",
			msg:     withHeaders(map[string]string{"content-transfer-encoding": "8bit"}),
			wantErr: `header "content-transfer-encoding" is set by the mailer`,
		},
		{
			name:    "SameHeaderTwiceInDifferentCase",
			msg:     withHeaders(map[string]string{"List-Unsubscribe": unsubscribeURL, "list-unsubscribe": unsubscribeURL}),
			wantErr: "given twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, serverOptions{})
			m, _ := newMailer(t, Options{SMTPURL: srv.url("smtp", nil, ""), From: testFrom})

			err := m.Send(context.Background(), tt.msg)
			require.ErrorContains(t, err, "error sending mail to", "Send rejects it")
			require.ErrorContains(t, err, tt.wantErr, "the error says what is wrong")
			if tt.notInErr != "" {
				require.NotContains(t, err.Error(), tt.notInErr, "header values may hold tokens and stay out of the error")
			}
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
		require.ErrorContains(t, err, "error sending mail to a recipient at example.com", "wrapped with the recipient's domain")
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
