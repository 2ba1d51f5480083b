package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/push"
)

// outcome is what became of a push to one device.
type outcome struct {
	device *dbsqlc.NotificationDevice
	status string
	reason string
	// retry says another attempt may succeed; retryAfter is how long the service asked to wait, if it said.
	retry      bool
	retryAfter time.Duration
}

// pushContent is what a push says before it is put in a device's language, and where it leads.
type pushContent struct {
	notificationID int64 // 0 for a test
	kind           string
	// title and body are the feed's (English); params are what they were made of (notifications.params).
	title, body string
	params      []byte
	path        string
	collapseKey string
	badge       int
	attempt     int
}

// message is the push of c to device d, in the device's language where the text is Homekeep's.
func (c pushContent) message(d *dbsqlc.NotificationDevice) push.Message {
	title, body := c.title, c.body
	if t, b, ok := Localize(d.Locale, c.kind, c.params); ok {
		title, body = t, b
	}
	data := map[string]string{"kind": c.kind, "path": c.path}
	if c.notificationID != 0 {
		data["notification_id"] = strconv.FormatInt(c.notificationID, 10)
	}
	return push.Message{ID: fmt.Sprintf("n%d-d%d-a%d", c.notificationID, d.ID, c.attempt), DeviceID: d.ID,
		Platform: d.Platform, Token: d.Token, P256dh: d.P256dh, Auth: d.Auth, Title: title, Body: body, Path: c.path,
		NotificationID: c.notificationID, Kind: c.kind, CollapseKey: c.collapseKey, Badge: c.badge, Data: data}
}

// pushTo pushes c to each device through the configured channels and returns one outcome per device, in
// order. A device its push service reports gone is deactivated (unless registered again since).
func (s *Deliverer) pushTo(ctx context.Context, devices []*dbsqlc.NotificationDevice, c pushContent) []outcome {
	started := s.d.Now()
	out := make([]outcome, len(devices))
	var msgs []push.Message
	var idx []int
	for i, d := range devices {
		out[i] = outcome{device: d}
		switch {
		case s.d.Push == nil:
			out[i].status, out[i].reason = StatusSkipped, "this server has no push channel configured"
		case !s.d.Push.Handles(d.Platform):
			out[i].status, out[i].reason = StatusSkipped, "this server has no push channel for "+d.Platform+" devices"
		default:
			msgs = append(msgs, c.message(d))
			idx = append(idx, i)
		}
	}
	if len(msgs) == 0 {
		return out
	}
	results := s.d.Push.Send(ctx, msgs)
	for j, i := range idx {
		var r push.Result
		if j < len(results) {
			r = results[j]
		} else {
			r = push.Result{Err: errors.New("the push channel returned no result for this device")}
		}
		o := &out[i]
		switch {
		case r.Err == nil:
			o.status = StatusSent
		case r.Dead:
			o.status, o.reason = StatusFailed, "device deactivated: "+r.Err.Error()
			s.deactivate(ctx, o.device.ID, started)
		case r.Permanent:
			o.status, o.reason = StatusFailed, "not retried: "+r.Err.Error()
		default:
			o.status, o.reason, o.retry, o.retryAfter = StatusFailed, r.Err.Error(), true, r.RetryAfter
		}
	}
	return out
}

// deactivate marks a device its push service reported gone; a failure is logged, and the next push tries again.
func (s *Deliverer) deactivate(ctx context.Context, id int64, since time.Time) {
	if err := s.q.NotificationDeviceDeactivate(ctx, s.d.DB, &dbsqlc.NotificationDeviceDeactivateParams{
		ID: id, Since: since}); err != nil {
		s.d.Logger.WarnContext(ctx, "could not deactivate a dead push device", "device_id", id, "error", err)
	}
}

// pushAll pushes notification n to each of its recipient's active devices that no earlier attempt reached,
// and logs each push.
func (s *Deliverer) pushAll(ctx context.Context, n *dbsqlc.NotificationSendLoadRow, attempt int) error {
	devices, err := s.q.NotificationDeviceListActive(ctx, s.d.DB, n.UserID)
	if err != nil {
		return fmt.Errorf("error listing the devices to push notification %d to: %w", n.ID, err)
	}
	devices = slices.DeleteFunc(devices, func(d *dbsqlc.NotificationDevice) bool {
		return slices.Contains(n.PushedDevices, d.ID)
	})
	if len(devices) == 0 {
		return nil
	}
	content := pushContent{notificationID: n.ID, kind: n.Kind, title: n.Title, body: n.Body, params: n.Params,
		badge: int(n.Unread), attempt: attempt}
	content.path, content.collapseKey = itemOf(n)
	var failed []error
	var wait time.Duration
	for _, o := range s.pushTo(ctx, devices, content) {
		if err := s.record(ctx, n.ID, n.UserID, ChannelPush, o.device.ID, o.status, attempt, o.reason); err != nil {
			failed = append(failed, err)
		}
		if o.retry {
			failed = append(failed, fmt.Errorf("%w: push to device %d: %s", ErrRetry, o.device.ID, o.reason))
			wait = max(wait, o.retryAfter)
		}
	}
	if wait > 0 {
		return &RetryAfterError{After: wait, Err: errors.Join(failed...)}
	}
	return errors.Join(failed...)
}

// itemOf is the deep link a notification's push opens and the collapse key of the item it is about: a task's
// or document's pushes replace each other on the device; a member's joining is its own.
func itemOf(n *dbsqlc.NotificationSendLoadRow) (path, collapseKey string) {
	switch {
	case n.TaskID != nil:
		return "/tasks/" + strconv.FormatInt(*n.TaskID, 10), "task-" + strconv.FormatInt(*n.TaskID, 10)
	case n.DocumentID != nil:
		return "/documents/" + strconv.FormatInt(*n.DocumentID, 10), "document-" + strconv.FormatInt(*n.DocumentID, 10)
	case n.ResidenceID != nil:
		return "/residences/" + strconv.FormatInt(*n.ResidenceID, 10), "notification-" + strconv.FormatInt(n.ID, 10)
	}
	return "/notifications/" + strconv.FormatInt(n.ID, 10), "notification-" + strconv.FormatInt(n.ID, 10)
}

// RetryAfterError is a delivery that failed in a way worth another attempt, where a push service said how
// long to wait first (Retry-After, or a channel whose circuit breaker is open). It wraps ErrRetry.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

// Error implements error.
func (e *RetryAfterError) Error() string { return e.Err.Error() }

// Unwrap returns the failures.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// RetryAfter is how long to wait before the next attempt.
func (e *RetryAfterError) RetryAfter() time.Duration { return e.After }
