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
	// retry says another attempt may succeed.
	retry bool
}

// pushTo pushes title and body to each device through the configured channels and returns one outcome per
// device, in order. A device its push service reports gone is deactivated (unless registered again since).
func (s *Deliverer) pushTo(ctx context.Context, devices []*dbsqlc.NotificationDevice, title, body string,
	data map[string]string) []outcome {
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
			msgs = append(msgs, push.Message{DeviceID: d.ID, Platform: d.Platform, Token: d.Token, P256dh: d.P256dh,
				Auth: d.Auth, Title: title, Body: body, Data: data})
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
		default:
			o.status, o.reason, o.retry = StatusFailed, r.Err.Error(), true
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
	data := map[string]string{"notification_id": strconv.FormatInt(n.ID, 10), "kind": n.Kind}
	var failed []error
	for _, o := range s.pushTo(ctx, devices, n.Title, n.Body, data) {
		if err := s.record(ctx, n.ID, n.UserID, ChannelPush, o.device.ID, o.status, attempt, o.reason); err != nil {
			failed = append(failed, err)
		}
		if o.retry {
			failed = append(failed, fmt.Errorf("%w: push to device %d: %s", ErrRetry, o.device.ID, o.reason))
		}
	}
	return errors.Join(failed...)
}
