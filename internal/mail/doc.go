// Package mail sends Homekeep's account emails (verification and password-reset codes) over SMTP, or writes
// them to the log when no SMTP server is configured so local development works without one.
//
// # Overview
//
// Request handlers call Enqueue, which never blocks: a background worker does the SMTP conversation, so a slow
// or dead mail server cannot slow responses down, and "forgot password" answers in the same time whether or
// not the address belongs to an account. Send is the synchronous form for callers that need the result.
//
// Messages are plain text with a single-line subject; SMTP_URL chooses STARTTLS (smtp://) or implicit TLS
// (smtps://), and New only parses it: the API starts while the relay is down, and a bad password shows up in
// the first delivery's log.
//
// # State
//
// A Mailer owns one bounded queue (Options.QueueSize) and one worker goroutine that delivers queued messages
// one at a time. It is open from New until Close; Close stops accepting messages and waits for the worker to
// drain the queue. Nothing is persisted: a message lives only in the queue of the process that accepted it.
//
// # Failure handling
//
// Losing an email is acceptable, because a user who gets no code asks for another; slowing or failing the
// request is not. So:
//   - an invalid message, a full queue or a closed Mailer makes Enqueue return false and log a warning; the
//     message is dropped
//   - a delivery that fails with a connection error, a timeout or a 4xx reply is retried once after a short
//     backoff; a 5xx reply is permanent and not retried
//   - when Close's context ends before the queue is drained, the rest is dropped and counted in one error log;
//     a delivery already under way finishes in the background, bounded by its SMTP timeout
//
// Logs name only the recipient's domain, never the address or the text (it holds a live code), and errors
// never repeat the SMTP URL (it may hold a password).
package mail
