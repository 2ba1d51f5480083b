package mail

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"regexp"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Enqueue hands msg to the background worker and returns at once, so a request's response time never depends
// on the SMTP server (and "forgot password" takes as long for an unknown address as for a known one). It
// returns false, and logs a warning, when msg is invalid, the queue is full or the Mailer is closed; the
// message is then dropped, since a user who gets no code can ask for another.
func (m *Mailer) Enqueue(msg Message) bool {
	domain := recipientDomain(msg.To)
	if err := msg.validate(); err != nil {
		m.log.Warn("email dropped: invalid message", "to_domain", domain, "error", redact(err, msg.To))
		return false
	}
	queued, closed := m.tryQueue(msg)
	switch {
	case closed:
		m.log.Warn("email dropped: mailer is closed", "to_domain", domain)
	case !queued:
		m.log.Warn("email dropped: queue full", "to_domain", domain, "queue_size", cap(m.queue))
	}
	return queued
}

func (m *Mailer) tryQueue(msg Message) (queued, closed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false, true
	}
	select {
	case m.queue <- msg:
		return true, false
	default:
		return false, false
	}
}

// Close stops accepting messages and delivers the queued ones, returning once the queue is empty or ctx is
// done, whichever is first. When ctx ends first the rest of the queue is dropped (logged as an error with a
// count) and a delivery already under way finishes in the background, bounded by its SMTP timeout. Calling
// Close again waits for the same drain.
func (m *Mailer) Close(ctx context.Context) error {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		close(m.queue)
	}
	m.mu.Unlock()
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		m.stopWork()
		return fmt.Errorf("error draining the mail queue: %w", ctx.Err())
	}
}

// run is the worker: it delivers queued messages one at a time until Close closes the queue.
func (m *Mailer) run() {
	defer close(m.done)
	dropped := 0
	for msg := range m.queue {
		if m.stop.Err() != nil {
			dropped++
			continue
		}
		m.deliverQueued(msg)
	}
	if dropped > 0 {
		m.log.Error("emails dropped: shutdown deadline passed before the queue drained", "count", dropped)
	}
}

// deliverQueued sends msg, retrying once after retryBackoff unless the server rejected it permanently. Logs
// name the recipient's domain only and never the text: the text holds a live code.
func (m *Mailer) deliverQueued(msg Message) {
	domain := recipientDomain(msg.To)
	err := m.send(m.stop, msg)
	if err == nil {
		return
	}
	if isPermanent(err) {
		m.log.Error("email dropped: rejected by the SMTP server", "to_domain", domain, "error", redact(err, msg.To))
		return
	}
	m.log.Warn("email delivery failed, retrying", "to_domain", domain, "retry_in", m.retryBackoff,
		"error", redact(err, msg.To))
	t := time.NewTimer(m.retryBackoff)
	defer t.Stop()
	select {
	case <-m.stop.Done():
		m.log.Error("email dropped: shutdown deadline passed before the retry", "to_domain", domain)
		return
	case <-t.C:
	}
	if err := m.send(m.stop, msg); err != nil {
		m.log.Error("email dropped after retry", "to_domain", domain, "error", redact(err, msg.To))
	}
}

// isPermanent reports a 5xx reply to the message (a rejected recipient, say), which a retry seconds later
// would only repeat. Connection failures, timeouts and 4xx replies are worth the retry.
func isPermanent(err error) bool {
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) {
		code := sendErr.ErrorCode()
		return code >= 500 && code < 600
	}
	return false
}

// redact removes the recipient's address from an error before it is logged: go-mail lists the affected
// recipients in its errors, and servers often quote the address in their replies.
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
