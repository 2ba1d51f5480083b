package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// GetNotification returns one of the caller's notifications with its delivery log, in one statement.
func (h *Handler) GetNotification(ctx context.Context, params oas.GetNotificationParams) (oas.GetNotificationRes, error) {
	row, err := h.q.NotificationGetWithDeliveries(ctx, h.db, &dbsqlc.NotificationGetWithDeliveriesParams{
		ID: params.ID, UserID: app.PrincipalFrom(ctx).User.ID})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, apierror.NotFound("notification")
	}
	if err != nil {
		return nil, fmt.Errorf("error loading notification: %w", err)
	}
	var log []deliveryRow
	if err := json.Unmarshal(row.Deliveries, &log); err != nil {
		return nil, fmt.Errorf("error decoding the delivery log of notification %d: %w", params.ID, err)
	}
	n := notification(&row.Notification)
	out := &oas.NotificationDetail{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, ResidenceID: n.ResidenceID,
		TaskID: n.TaskID, DocumentID: n.DocumentID, ReadAt: n.ReadAt, CreatedAt: n.CreatedAt,
		Deliveries: make([]oas.NotificationDelivery, 0, len(log))}
	for _, d := range log {
		out.Deliveries = append(out.Deliveries, oas.NotificationDelivery{ID: d.ID,
			Channel: oas.NotificationDeliveryChannel(d.Channel), DeviceID: app.NilInt64(d.DeviceID),
			Status: oas.DeliveryStatus(d.Status), Attempt: d.Attempt, Error: d.Error, CreatedAt: d.CreatedAt.UTC()})
	}
	return out, nil
}

// deliveryRow is one element of NotificationGetWithDeliveries' deliveries (jsonb_build_object's names).
type deliveryRow struct {
	ID        int64     `json:"id"`
	Channel   string    `json:"channel"`
	DeviceID  *int64    `json:"device_id"`
	Status    string    `json:"status"`
	Attempt   int32     `json:"attempt"`
	Error     string    `json:"error"`
	CreatedAt time.Time `json:"created_at"`
}

// SendTestNotification pushes to each of the caller's active devices and emails the caller now, and answers
// with what each push service and the mail server said. It is rate-limited per user like sign-in attempts:
// each call reaches outside services.
func (h *Handler) SendTestNotification(ctx context.Context) (oas.SendTestNotificationRes, error) {
	user := app.PrincipalFrom(ctx).User
	if err := h.attempts.Check(ctx, "notification-test", "user:"+strconv.FormatInt(user.ID, 10)); err != nil {
		return nil, err
	}
	res, err := h.delivery.Test(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("error sending test notifications: %w", err)
	}
	out := &oas.NotificationTestResult{
		Email:   oas.TestDelivery{Status: oas.DeliveryStatus(res.Email.Status), Error: res.Email.Error},
		Devices: make([]oas.NotificationTestResultDevicesItem, 0, len(res.Devices)),
	}
	for _, d := range res.Devices {
		out.Devices = append(out.Devices, oas.NotificationTestResultDevicesItem{Status: oas.DeliveryStatus(d.Status),
			Error: d.Error, DeviceID: d.DeviceID, Platform: oas.NotificationPlatform(d.Platform)})
	}
	return out, nil
}
