package notifications

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/push/endpoint"
	"github.com/homekeep/homekeep/internal/push/webpush"
)

// ListNotificationDevices returns the caller's devices, newest registration first, in one statement.
func (h *Handler) ListNotificationDevices(ctx context.Context) (oas.ListNotificationDevicesRes, error) {
	rows, err := h.q.NotificationDeviceList(ctx, h.db, app.PrincipalFrom(ctx).User.ID)
	if err != nil {
		return nil, fmt.Errorf("error listing notification devices: %w", err)
	}
	out := make(oas.ListNotificationDevicesOKApplicationJSON, len(rows))
	for i, r := range rows {
		out[i] = device(r)
	}
	return &out, nil
}

// RegisterNotificationDevice registers a push token or endpoint for the caller in one statement; one already
// known moves to the caller.
func (h *Handler) RegisterNotificationDevice(ctx context.Context, req *oas.NotificationDeviceCreate, _ oas.RegisterNotificationDeviceParams) (oas.RegisterNotificationDeviceRes, error) {
	f := app.FieldErrors{}
	p := &dbsqlc.NotificationDeviceRegisterParams{UserID: app.PrincipalFrom(ctx).User.ID, Platform: string(req.Platform),
		AppVersion: strings.TrimSpace(req.AppVersion.Or("")), Locale: req.Locale.Or("")}
	token, hasToken := req.Token.Get()
	endpoint, hasEndpoint := req.Endpoint.Get()
	keys, hasKeys := req.Keys.Get()
	switch req.Platform {
	case oas.NotificationPlatformIos, oas.NotificationPlatformAndroid:
		switch {
		case !hasToken:
			f.Add("token", "is required for "+string(req.Platform))
		case strings.ContainsFunc(token, unicode.IsSpace):
			f.Add("token", "must not contain spaces")
		}
		if hasEndpoint {
			f.Add("endpoint", "is only for web and unifiedpush; send token")
		}
		if hasKeys {
			f.Add("keys", "is only for web and unifiedpush")
		}
		p.Token = token
	default:
		if hasToken {
			f.Add("token", "is only for ios and android; send endpoint")
		}
		if !hasEndpoint {
			f.Add("endpoint", "is required for "+string(req.Platform))
		} else {
			h.checkEndpoint(ctx, f, req.Platform, &endpoint)
		}
		switch {
		case hasKeys:
			p.P256dh, p.Auth = checkKeys(f, keys)
			if req.Platform == oas.NotificationPlatformWeb && hasEndpoint && p.P256dh != "" && p.Auth != "" &&
				webpush.ValidateSubscription(keysOnly, p.P256dh, p.Auth) != nil {
				f.Add("keys", "must be the subscription's keys: p256dh an uncompressed P-256 point and auth 16 bytes, both base64url")
			}
		case req.Platform == oas.NotificationPlatformWeb:
			f.Add("keys", "is required for web")
		}
		p.Token = endpoint.String()
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	row, err := h.q.NotificationDeviceRegister(ctx, h.db, p)
	if err != nil {
		return nil, fmt.Errorf("error registering notification device: %w", err)
	}
	d := device(row)
	return &d, nil
}

// checkEndpoint requires an endpoint the server may post to (package endpoint: https, not an internal
// address, unless the operator allows loopback for development). A host that does not resolve now is let
// through: it reaches nothing, and every push checks the endpoint again, at send and at connect.
func (h *Handler) checkEndpoint(ctx context.Context, f app.FieldErrors, platform oas.NotificationPlatform, u *url.URL) {
	scheme := strings.ToLower(u.Scheme)
	if u.Host == "" || (scheme != "https" && scheme != "http") {
		f.Add("endpoint", "must be an absolute https URL")
		return
	}
	err := endpoint.Check(ctx, u.String(), h.guard)
	if errors.Is(err, endpoint.ErrNotAllowed) {
		f.Add("endpoint", "must be a public https URL: "+strings.TrimPrefix(err.Error(), endpoint.ErrNotAllowed.Error()+": "))
	}
}

// keysOnly stands in for the endpoint when only a subscription's keys are checked: checkEndpoint has ruled
// on the endpoint already, under the operator's policy.
const keysOnly = "https://push.invalid/"

// checkKeys requires both keys of a push subscription (the spec leaves them optional in the schema so that
// a missing one is named with its parent, keys.p256dh, as the handler names it).
func checkKeys(f app.FieldErrors, keys oas.NotificationDeviceKeys) (p256dh, auth string) {
	p256dh, ok := keys.P256dh.Get()
	if !ok {
		f.Add("keys.p256dh", msgRequired)
	}
	auth, ok = keys.Auth.Get()
	if !ok {
		f.Add("keys.auth", msgRequired)
	}
	return p256dh, auth
}

// msgRequired is what a required field that was not sent is told, in the decoder's words.
const msgRequired = "is required"

// DeleteNotificationDevice removes one of the caller's devices in one statement.
func (h *Handler) DeleteNotificationDevice(ctx context.Context, params oas.DeleteNotificationDeviceParams) (oas.DeleteNotificationDeviceRes, error) {
	n, err := h.q.NotificationDeviceDelete(ctx, h.db, &dbsqlc.NotificationDeviceDeleteParams{ID: params.ID,
		UserID: app.PrincipalFrom(ctx).User.ID})
	if err != nil {
		return nil, fmt.Errorf("error deleting notification device: %w", err)
	}
	if n == 0 {
		return nil, apierror.NotFound("device")
	}
	return &oas.DeleteNotificationDeviceNoContent{}, nil
}

// device maps a device row to the API type; the token and keys stay on the server.
func device(r *dbsqlc.NotificationDevice) oas.NotificationDevice {
	return oas.NotificationDevice{ID: r.ID, Platform: oas.NotificationPlatform(r.Platform), AppVersion: r.AppVersion,
		Locale: r.Locale, IsActive: r.IsActive, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}
