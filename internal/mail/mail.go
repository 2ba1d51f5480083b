package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"regexp"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Options configures a Mailer. The zero value is valid and logs every message instead of sending it.
type Options struct {
	// SMTPURL is the SMTP_URL setting. Empty means no SMTP server: messages are written to the log at info
	// level, so a developer can read the code from the server output. Otherwise one of:
	//
	//	smtp://user:pass@host:587   STARTTLS when the server offers it, plaintext otherwise (port defaults to 587)
	//	smtps://user:pass@host:465  implicit TLS from the first byte (port defaults to 465)
	//
	// User and password are optional and must be percent-encoded. Credentials are never sent over a
	// plaintext connection except to localhost, 127.0.0.1 or ::1 (a go-mail rule), so a stripped STARTTLS
	// makes authentication fail instead of leaking the password. Optional query parameters:
	//
	//	insecure_skip_verify=true  accept any TLS certificate; only for self-signed test servers, never production
	//	auth=plain|login|auto      SASL mechanism (default plain); login for servers that offer only LOGIN,
	//	                           auto to let go-mail pick the strongest one offered (it considers PLAIN and
	//	                           LOGIN only over TLS)
	SMTPURL string
	// From is the MAIL_FROM setting, e.g. "Homekeep <no-reply@example.com>". Required when SMTPURL is set; it
	// is both the From header and the envelope sender, and its domain names the Message-ID.
	From string
	// Logger receives the log-only messages; nil means slog.Default().
	Logger *slog.Logger
}

// Message is one email. Account emails carry a short code and nothing else, so they leave HTML empty and go
// out as plain text, which renders everywhere and is not mistaken for phishing as easily. Notification
// emails add an HTML alternative and the RFC 8058 one-click unsubscribe fields in Headers.
type Message struct {
	// To is the recipient, a bare address or "Name <address>".
	To string
	// Subject must be a single line.
	Subject string
	// Text is the body, or with HTML set its text/plain alternative, which clients that do not show HTML
	// (and spam filters) read; it must not be empty then.
	Text string
	// HTML, when set, makes the message multipart/alternative: Text as the text/plain part first, HTML as the
	// text/html part last, so clients that can show HTML pick it. Empty means a single text/plain body, exactly
	// as before HTML existed. It is never written to the log in log-only mode: it repeats Text.
	HTML string
	// Headers are extra header fields, name to value, for example
	//
	//	List-Unsubscribe: <https://homekeep.example.com/unsubscribe/TOKEN>
	//	List-Unsubscribe-Post: List-Unsubscribe=One-Click
	//
	// Names are ASCII letters, digits and hyphens; the fields the Mailer writes (From, To, Subject, Date,
	// Message-ID, MIME-Version, Content-*) and the recipient fields (Cc, Bcc, Reply-To, Sender) are refused
	// in any case, as are two names differing only in case and values with a CR or LF. A non-ASCII value is
	// RFC 2047-encoded; long values are folded only at spaces. The order of the fields is not kept (they are
	// written sorted by name), which no header Homekeep sends depends on.
	Headers map[string]string
}

// Mailer sends Messages. It is safe for concurrent use and holds no goroutine or connection between sends.
type Mailer struct {
	smtp *smtpConfig // nil: log only
	from *netmail.Address
	log  *slog.Logger
}

// New validates the configuration. It does not contact the SMTP server: the API must start even while the
// mail relay is down, and a bad password shows up in the first delivery's error.
func New(o Options) (*Mailer, error) {
	m := &Mailer{log: o.Logger}
	if m.log == nil {
		m.log = slog.Default()
	}
	if o.SMTPURL != "" {
		cfg, err := parseSMTPURL(o.SMTPURL)
		if err != nil {
			return nil, err
		}
		m.smtp = cfg
		if strings.TrimSpace(o.From) == "" {
			return nil, errors.New("missing MAIL_FROM: it is required when SMTP_URL is set")
		}
	}
	if strings.TrimSpace(o.From) != "" {
		from, err := netmail.ParseAddress(o.From)
		if err != nil {
			return nil, fmt.Errorf("invalid MAIL_FROM %q: %w", o.From, err)
		}
		m.from = from
	}
	if m.smtp == nil {
		m.log.Info("SMTP_URL is not set: emails are written to the log instead of being sent")
	}
	return m, nil
}

// Send delivers msg before returning, or logs it when no SMTP server is configured. The context bounds dialing
// and, through its deadline, the whole SMTP conversation, which is otherwise capped at 30 seconds.
//
// Its error names the recipient's domain only, never the address (go-mail's errors and servers' replies
// quote it): the job queue records the error (river_job.errors), where operators read it. The underlying
// error stays reachable with errors.Is and errors.As; Permanent tells a rejection from a failure worth
// retrying.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	err := msg.validate()
	if err == nil {
		err = m.send(ctx, msg)
	}
	if err != nil {
		return &SendError{Domain: recipientDomain(msg.To), text: redact(err, msg.To), err: err}
	}
	return nil
}

// SendError is a failed Send. Its message names the recipient's domain, not the address.
type SendError struct {
	// Domain is the recipient's domain, lower-cased ("(invalid)" for an address that does not parse).
	Domain string
	text   string
	err    error
}

// Error implements error.
func (e *SendError) Error() string {
	return "error sending mail to a recipient at " + e.Domain + ": " + e.text
}

// Unwrap returns the underlying error, which may quote the recipient's address.
func (e *SendError) Unwrap() error { return e.err }

// Permanent reports a 5xx reply to the message (a rejected recipient, say), which a retry would only
// repeat. Connection failures, timeouts and 4xx replies are worth retrying; nil is not permanent.
func Permanent(err error) bool {
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) {
		code := sendErr.ErrorCode()
		return code >= 500 && code < 600
	}
	return false
}

// send delivers a validated message, or logs it in log-only mode.
func (m *Mailer) send(ctx context.Context, msg Message) error {
	if m.smtp == nil {
		attrs := []any{"to", msg.To, "subject", msg.Subject, "text", msg.Text}
		if len(msg.Headers) > 0 {
			attrs = append(attrs, "headers", msg.Headers)
		}
		m.log.InfoContext(ctx, "email not sent (SMTP_URL is not set)", attrs...)
		return nil
	}
	return m.deliver(ctx, msg)
}

// validate rejects what would fail at the SMTP server anyway, before the message is queued, line breaks in
// the subject and header values, which would otherwise let text inject headers, and header names the Mailer
// owns. It runs in log-only mode too, so a bad message fails in development as it would in production.
func (msg Message) validate() error {
	if _, err := netmail.ParseAddress(msg.To); err != nil {
		return fmt.Errorf("error parsing recipient address: %w", err)
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return errors.New("subject contains a line break")
	}
	if msg.HTML != "" && msg.Text == "" {
		return errors.New("HTML without Text: an HTML message needs its plain-text alternative")
	}
	return validateHeaders(msg.Headers)
}

// recipientDomain is the part of the address that is safe to log: enough to spot a provider that rejects
// Homekeep, without writing users' addresses into the logs.
func recipientDomain(to string) string {
	addr := to
	if a, err := netmail.ParseAddress(to); err == nil {
		addr = a.Address
	}
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return "(invalid)"
}

// redact removes the recipient's address from an error's text: go-mail lists the affected recipients in its
// errors, and servers often quote the address in their replies.
func redact(err error, to string) string {
	s := err.Error()
	addr := to
	if a, perr := netmail.ParseAddress(to); perr == nil {
		addr = a.Address
	}
	for _, v := range []string{to, addr} {
		if v != "" {
			s = regexp.MustCompile("(?i)"+regexp.QuoteMeta(v)).ReplaceAllLiteralString(s, "<recipient>")
		}
	}
	return s
}
