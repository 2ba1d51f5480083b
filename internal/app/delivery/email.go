package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strings"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/mail"
	"github.com/homekeep/homekeep/internal/unsubscribe"
)

// kindLabels name each kind in an email's footer and on the unsubscribe pages.
var kindLabels = map[string]string{
	"task_due_soon":     "Task due soon",
	"task_overdue":      "Task overdue",
	"task_completed":    "Task completed",
	"task_assigned":     "Task assigned to you",
	"member_joined":     "New member joined",
	"warranty_expiring": "Warranty expiring",
}

// KindLabel is how emails and pages name a kind of notification.
func KindLabel(kind string) string {
	if l, ok := kindLabels[kind]; ok {
		return l
	}
	return kind
}

// UnsubscribePath is where unsubscribe links point, under PUBLIC_URL.
const UnsubscribePath = "/api/notifications/unsubscribe"

// emailData is what a notification email shows.
type emailData struct {
	Greeting, Title, Body, Label, Unsubscribe string
}

var htmlEmail = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><body style="font-family:sans-serif;line-height:1.4">
<p>{{.Greeting}}</p>
<h2 style="font-size:1.1em">{{.Title}}</h2>
<p>{{.Body}}</p>
<p>Open Homekeep to see it.</p>
<hr>
<p style="font-size:0.85em;color:#555">You get this email because &ldquo;{{.Label}}&rdquo; emails are on in your
Homekeep notification settings. <a href="{{.Unsubscribe}}">Stop these emails</a>.</p>
</body></html>
`))

// notificationEmail renders notification n for its recipient, with a signed link (and the RFC 8058 headers)
// that switches emails of its kind off.
func (s *Deliverer) notificationEmail(ctx context.Context, n *dbsqlc.NotificationSendLoadRow) (mail.Message, error) {
	link, err := s.unsubscribeLink(ctx, n.UserID, n.Kind)
	if err != nil {
		return mail.Message{}, err
	}
	d := emailData{Greeting: "Hi,", Title: n.Title, Body: n.Body, Label: KindLabel(n.Kind), Unsubscribe: link}
	if name := strings.TrimSpace(n.FirstName); name != "" {
		d.Greeting = "Hi " + name + ","
	}
	text := d.Greeting + "\n\n" + d.Title + "\n\n"
	if d.Body != "" {
		text += d.Body + "\n\n"
	}
	text += "Open Homekeep to see it.\n\n-- \nYou get this email because \"" + d.Label +
		"\" emails are on in your Homekeep notification settings. Stop these emails: " + link + "\n"
	var html bytes.Buffer
	if err := htmlEmail.Execute(&html, d); err != nil {
		return mail.Message{}, fmt.Errorf("error rendering a notification email: %w", err)
	}
	return mail.Message{To: n.Email, Subject: oneLine(n.Title), Text: text, HTML: html.String(),
		Headers: map[string]string{
			"List-Unsubscribe":      "<" + link + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		}}, nil
}

// unsubscribeLink is the signed link that switches the user's emails of kind off.
func (s *Deliverer) unsubscribeLink(ctx context.Context, userID int64, kind string) (string, error) {
	token, err := s.d.Links.Token(ctx, unsubscribe.Claims{UserID: userID, Kind: kind,
		Expires: s.d.Now().Add(unsubscribe.Lifetime)})
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.d.PublicURL, "/") + UnsubscribePath + "?token=" + url.QueryEscape(token), nil
}

// oneLine keeps a title that came from user input to one line, as a subject must be.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// sendEmail emails notification n and logs the attempt. An address not verified yet gets nothing (logged as
// skipped): a notification email goes only where its owner proved to read.
func (s *Deliverer) sendEmail(ctx context.Context, n *dbsqlc.NotificationSendLoadRow, attempt int) error {
	if !n.EmailVerified {
		return s.record(ctx, n.ID, n.UserID, ChannelEmail, 0, StatusSkipped, attempt, "the email address is not verified")
	}
	msg, err := s.notificationEmail(ctx, n)
	if err != nil {
		return err
	}
	status, reason, retry := mailOutcome(s.d.Mailer.Send(ctx, msg))
	err = s.record(ctx, n.ID, n.UserID, ChannelEmail, 0, status, attempt, reason)
	if retry {
		err = errors.Join(fmt.Errorf("%w: email: %s", ErrRetry, reason), err)
	}
	return err
}

// mailOutcome maps a send's error to the logged status; a rejection the server made for good is not retried.
func mailOutcome(err error) (status, reason string, retry bool) {
	switch {
	case err == nil:
		return StatusSent, "", false
	case mail.Permanent(err):
		return StatusFailed, err.Error(), false
	default:
		return StatusFailed, err.Error(), true
	}
}
