package notifications

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strings"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/app/delivery"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/unsubscribe"
)

// unsubscribePage is the page both unsubscribe operations answer with: the question with its button, or the
// answer.
var unsubscribePage = template.Must(template.New("unsubscribe").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Homekeep emails</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em;line-height:1.4">
{{if .Done}}<h1 style="font-size:1.3em">Emails switched off</h1>
<p>You will no longer get &ldquo;{{.Label}}&rdquo; emails. Notifications still appear in the app; you can switch
these emails on again in its notification settings.</p>
{{else}}<h1 style="font-size:1.3em">Stop &ldquo;{{.Label}}&rdquo; emails?</h1>
<form method="post" action="{{.Action}}"><button type="submit">Stop these emails</button></form>
{{end}}</body></html>
`))

// GetUnsubscribePage answers an email's unsubscribe link with a page asking to confirm; opening it changes
// nothing, since mail scanners open links.
func (h *Handler) GetUnsubscribePage(ctx context.Context, params oas.GetUnsubscribePageParams) (oas.GetUnsubscribePageRes, error) {
	c, err := h.checkUnsubscribeToken(ctx, params.Token)
	if err != nil {
		return nil, err
	}
	page, err := renderUnsubscribePage(c.Kind, false, params.Token)
	if err != nil {
		return nil, err
	}
	return &oas.GetUnsubscribePageOK{Data: strings.NewReader(page)}, nil
}

// Unsubscribe switches off the email switch of the token's kind, in one statement (the preferences update),
// for a browser's confirmation and for a mail client's RFC 8058 one-click POST alike.
func (h *Handler) Unsubscribe(ctx context.Context, params oas.UnsubscribeParams) (oas.UnsubscribeRes, error) {
	c, err := h.checkUnsubscribeToken(ctx, params.Token)
	if err != nil {
		return nil, err
	}
	off := false
	p := &dbsqlc.NotificationPreferencesUpdateParams{UserID: c.UserID}
	switch c.Kind {
	case "task_due_soon":
		p.TaskDueSoonEmail = &off
	case "task_overdue":
		p.TaskOverdueEmail = &off
	case "task_completed":
		p.TaskCompletedEmail = &off
	case "task_assigned":
		p.TaskAssignedEmail = &off
	case "member_joined":
		p.MemberJoinedEmail = &off
	case "warranty_expiring":
		p.WarrantyExpiringEmail = &off
	default: // signed by this server, so only an older server's kind
		return nil, apierror.Validation(map[string]string{"token": "names a kind of notification this server does not have"})
	}
	_, err = h.q.NotificationPreferencesUpdate(ctx, h.db, p)
	err = dberr.Interpret(err)
	// An account deleted since the email was sent gets no more emails anyway.
	if err != nil && !errors.Is(err, dberr.ErrNotFound) && !dberr.IsForeignKey(err, dberr.NotificationPreferencesUserIDFkey) {
		return nil, fmt.Errorf("error switching off %s emails: %w", c.Kind, err)
	}
	page, err := renderUnsubscribePage(c.Kind, true, params.Token)
	if err != nil {
		return nil, err
	}
	return &oas.UnsubscribeOK{Data: strings.NewReader(page)}, nil
}

// checkUnsubscribeToken returns a valid token's claims, or a 400 naming the token.
func (h *Handler) checkUnsubscribeToken(ctx context.Context, token string) (unsubscribe.Claims, error) {
	c, err := h.links.Check(ctx, token, h.now())
	switch {
	case errors.Is(err, unsubscribe.ErrInvalid):
		return c, apierror.Validation(map[string]string{"token": "is not a link this server sent"}) //nolint:gosec // G101: a message, no credential
	case errors.Is(err, unsubscribe.ErrExpired):
		return c, apierror.BadRequest("link_expired", "this unsubscribe link has expired; switch the emails off in the app",
			map[string]string{"token": "has expired"})
	case err != nil:
		return c, fmt.Errorf("error checking an unsubscribe link: %w", err)
	}
	return c, nil
}

// renderUnsubscribePage renders the question (done false), whose button POSTs the token back, or the answer.
func renderUnsubscribePage(kind string, done bool, token string) (string, error) {
	var b strings.Builder
	err := unsubscribePage.Execute(&b, struct {
		Done          bool
		Label, Action string
	}{done, delivery.KindLabel(kind), "unsubscribe?token=" + url.QueryEscape(token)})
	if err != nil {
		return "", fmt.Errorf("error rendering the unsubscribe page: %w", err)
	}
	return b.String(), nil
}
