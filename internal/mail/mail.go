package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
	"sync"
	"time"
)

// DefaultQueueSize is the Enqueue capacity when Options.QueueSize is not set: enough to absorb a burst of
// sign-ups while the SMTP server is slow, small enough that a dead server cannot pile up memory.
const DefaultQueueSize = 100

// defaultRetryBackoff is how long the worker waits before its single retry: long enough to ride out a
// greylisting blip or a restarting relay, short enough that the code is still valid when it arrives.
const defaultRetryBackoff = 2 * time.Second

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
	// Logger receives the log-only messages and delivery problems; nil means slog.Default().
	Logger *slog.Logger
	// QueueSize is the capacity of the Enqueue queue; zero or negative means DefaultQueueSize.
	QueueSize int
}

// Message is one plain-text email. Account emails carry a short code and nothing else, so there is no HTML
// part: plain text renders everywhere and is not mistaken for phishing as easily.
type Message struct {
	// To is the recipient, a bare address or "Name <address>".
	To string
	// Subject must be a single line.
	Subject string
	// Text is the body.
	Text string
}

// Mailer sends Messages. It is safe for concurrent use. Every Mailer runs a background worker, so it must be
// closed with Close to deliver what is still queued.
type Mailer struct {
	smtp         *smtpConfig // nil: log only
	from         *netmail.Address
	log          *slog.Logger
	retryBackoff time.Duration

	mu     sync.Mutex // guards closed and sending on queue, so Enqueue never sends on a closed channel
	closed bool
	queue  chan Message

	stop     context.Context // cancelled when Close gives up, so the worker drops what is left
	stopWork context.CancelFunc
	done     chan struct{} // closed when the worker has exited
}

// New validates the configuration and starts the background worker. It does not contact the SMTP server: the
// API must start even while the mail relay is down, and a bad password shows up in the first delivery's log.
func New(o Options) (*Mailer, error) {
	m := &Mailer{log: o.Logger, retryBackoff: defaultRetryBackoff, done: make(chan struct{})}
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
	size := o.QueueSize
	if size <= 0 {
		size = DefaultQueueSize
	}
	m.queue = make(chan Message, size)
	m.stop, m.stopWork = context.WithCancel(context.Background())
	if m.smtp == nil {
		m.log.Info("SMTP_URL is not set: emails are written to the log instead of being sent")
	}
	go m.run()
	return m, nil
}

// Send delivers msg before returning, or logs it when no SMTP server is configured. The context bounds dialing
// and, through its deadline, the whole SMTP conversation, which is otherwise capped at 30 seconds.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	if err := msg.validate(); err != nil {
		return fmt.Errorf("error sending mail to %s: %w", msg.To, err)
	}
	if err := m.send(ctx, msg); err != nil {
		return fmt.Errorf("error sending mail to %s: %w", msg.To, err)
	}
	return nil
}

// send delivers a validated message, or logs it in log-only mode. Its errors do not name the recipient, so the
// worker can log them.
func (m *Mailer) send(ctx context.Context, msg Message) error {
	if m.smtp == nil {
		m.log.InfoContext(ctx, "email not sent (SMTP_URL is not set)",
			"to", msg.To, "subject", msg.Subject, "text", msg.Text)
		return nil
	}
	return m.deliver(ctx, msg)
}

// validate rejects what would fail at the SMTP server anyway, before the message is queued, and line breaks in
// the subject, which would otherwise let text inject headers.
func (msg Message) validate() error {
	if _, err := netmail.ParseAddress(msg.To); err != nil {
		return fmt.Errorf("error parsing recipient address: %w", err)
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return errors.New("subject contains a line break")
	}
	return nil
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
