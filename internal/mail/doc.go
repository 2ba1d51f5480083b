// Package mail sends Homekeep's emails (account codes, notifications) over SMTP, or writes them to the log
// when no SMTP server is configured so local development works without one.
//
// # Overview
//
// Send delivers one message and returns when the SMTP server has accepted it. Requests never call it: they
// queue a job (package jobs) in the statement that asks for the email, and a worker sends it, so a slow or
// dead mail server cannot slow responses down, "forgot password" answers in the same time whether or not
// the address belongs to an account, and an email asked for survives a restart.
//
// Messages have a single-line subject and a plain-text body; notifications add an HTML alternative
// (multipart/alternative) and extra header fields such as RFC 8058's List-Unsubscribe, checked so that a
// caller's data cannot inject or replace a header. SMTP_URL chooses STARTTLS (smtp://) or implicit TLS
// (smtps://), and New only parses it: the API starts while the relay is down, and a bad password shows up in
// the first delivery's error.
//
// # Failure handling
//
// A Mailer holds no state between sends (one SMTP conversation per message) and retries nothing itself:
// the job queue retries a failed send with its own schedule, unless Permanent reports a rejection (a 5xx
// reply) that a retry would only repeat. Send's errors name the recipient's domain, never the address or
// the text (it holds a live code), and never repeat the SMTP URL (it may hold a password), since the job
// queue stores them where operators read them.
package mail
