package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

const (
	defaultSMTPPort  = 587 // submission with STARTTLS
	defaultSMTPSPort = 465 // submission over implicit TLS

	// sendTimeout caps one SMTP conversation when the caller's context allows more, so a server that accepts
	// the connection and then hangs cannot hold the worker forever.
	sendTimeout = 30 * time.Second
)

// smtpConfig is a parsed SMTP_URL.
type smtpConfig struct {
	host        string
	port        int
	implicitTLS bool
	username    string
	password    string
	auth        gomail.SMTPAuthType
	tls         *tls.Config
}

// parseSMTPURL checks SMTP_URL once at start-up, so a typo stops the server instead of failing every email.
// Its errors never repeat the URL: it may hold a password.
func parseSMTPURL(raw string) (*smtpConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err // url.Error quotes the whole URL, password included
		}
		return nil, fmt.Errorf("invalid SMTP_URL: %w", err)
	}
	cfg := &smtpConfig{auth: gomail.SMTPAuthPlain}
	switch u.Scheme {
	case "smtp":
		cfg.port = defaultSMTPPort
	case "smtps":
		cfg.port, cfg.implicitTLS = defaultSMTPSPort, true
	default:
		return nil, fmt.Errorf("invalid SMTP_URL: scheme must be smtp or smtps, got %q", u.Scheme)
	}
	cfg.host = u.Hostname()
	if cfg.host == "" {
		return nil, errors.New("invalid SMTP_URL: missing host")
	}
	if p := u.Port(); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("invalid SMTP_URL: port %q is not between 1 and 65535", p)
		}
		cfg.port = port
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("invalid SMTP_URL: unexpected path %q", u.Path)
	}
	if u.User != nil {
		cfg.username = u.User.Username()
		cfg.password, _ = u.User.Password()
		if cfg.username == "" {
			return nil, errors.New("invalid SMTP_URL: password without a user name")
		}
	}
	skipVerify, err := cfg.applyQuery(u.RawQuery)
	if err != nil {
		return nil, err
	}
	cfg.tls = &tls.Config{
		ServerName: cfg.host,
		MinVersion: tls.VersionTLS12,
		// Only through ?insecure_skip_verify=true, documented as for self-signed test servers.
		InsecureSkipVerify: skipVerify, //nolint:gosec // explicit opt-in
	}
	return cfg, nil
}

// applyQuery reads the optional query parameters and rejects unknown ones, so a misspelt option is an error
// rather than silently ignored.
func (c *smtpConfig) applyQuery(rawQuery string) (skipVerify bool, err error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return false, fmt.Errorf("invalid SMTP_URL: error parsing query: %w", err)
	}
	for key, values := range q {
		value := values[len(values)-1]
		switch key {
		case "insecure_skip_verify":
			if skipVerify, err = strconv.ParseBool(value); err != nil {
				return false, fmt.Errorf("invalid SMTP_URL: insecure_skip_verify must be true or false, got %q", value)
			}
		case "auth":
			switch strings.ToLower(value) {
			case "plain":
				c.auth = gomail.SMTPAuthPlain
			case "login":
				c.auth = gomail.SMTPAuthLogin
			case "auto":
				c.auth = gomail.SMTPAuthAutoDiscover
			default:
				return false, fmt.Errorf("invalid SMTP_URL: auth must be plain, login or auto, got %q", value)
			}
		default:
			return false, fmt.Errorf("invalid SMTP_URL: unknown query parameter %q (known: insecure_skip_verify, auth)", key)
		}
	}
	return skipVerify, nil
}

// clientOptions configures a go-mail client for one conversation.
func (c *smtpConfig) clientOptions(timeout time.Duration) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(c.port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(c.tls.Clone()),
	}
	if c.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		// go-mail's default, TLSMandatory, would refuse local relays and test servers without STARTTLS.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if c.username != "" {
		opts = append(opts, gomail.WithSMTPAuth(c.auth), gomail.WithUsername(c.username), gomail.WithPassword(c.password))
	}
	return opts
}

// deliver runs one SMTP conversation on a fresh connection. Account emails are rare, so a connection pool
// would only add reconnect logic.
func (m *Mailer) deliver(ctx context.Context, msg Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	timeout := sendTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(deadline))
		if timeout <= 0 {
			return context.DeadlineExceeded
		}
	}
	gm, err := m.buildMessage(msg)
	if err != nil {
		return err
	}
	client, err := gomail.NewClient(m.smtp.host, m.smtp.clientOptions(timeout)...)
	if err != nil {
		return fmt.Errorf("error creating smtp client: %w", err)
	}
	// go-mail reports "dial failed: …" or "send failed: …", which is specific enough.
	return client.DialAndSendWithContext(ctx, gm)
}

// buildMessage renders msg as a text/plain UTF-8 email, or multipart/alternative with a text/html part when
// msg.HTML is set (each part quoted-printable, go-mail's default). msg has been validated: its extra headers
// cannot replace the ones set here.
func (m *Mailer) buildMessage(msg Message) (*gomail.Msg, error) {
	// No User-Agent: go-mail would otherwise advertise its name and version in every email.
	gm := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	gm.FromMailAddress(m.from)
	if err := gm.To(msg.To); err != nil {
		return nil, fmt.Errorf("error setting recipient: %w", err)
	}
	gm.Subject(msg.Subject)
	gm.SetDate()
	// go-mail names the Message-ID after the machine's hostname (a container ID in production); the sending
	// domain is what receiving filters expect.
	domain := m.from.Address[strings.LastIndexByte(m.from.Address, '@')+1:]
	gm.SetMessageIDWithValue(rand.Text() + "@" + domain)
	gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	for name, value := range msg.Headers {
		gm.SetGenHeader(gomail.Header(name), value)
	}
	return gm, nil
}
