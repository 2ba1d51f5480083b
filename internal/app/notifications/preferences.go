package notifications

import (
	"context"
	"fmt"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// GetNotificationPreferences returns the caller's preferences (the defaults where never changed) and the
// account's timezone, in one statement.
func (h *Handler) GetNotificationPreferences(ctx context.Context) (oas.GetNotificationPreferencesRes, error) {
	row, err := h.q.NotificationPreferencesGet(ctx, h.db, app.PrincipalFrom(ctx).User.ID)
	if err != nil {
		return nil, fmt.Errorf("error loading notification preferences: %w", err)
	}
	return preferencesResponse(row), nil
}

// UpdateNotificationPreferences changes the switches and the reminder hour present, in one statement. The
// generated decoder has already refused an hour outside 0-23, naming reminder_hour.
func (h *Handler) UpdateNotificationPreferences(ctx context.Context, req *oas.NotificationPreferencesUpdate) (oas.UpdateNotificationPreferencesRes, error) {
	p := &dbsqlc.NotificationPreferencesUpdateParams{UserID: app.PrincipalFrom(ctx).User.ID,
		ReminderHour: app.PtrIf(req.ReminderHour.Get())}
	p.TaskDueSoonPush, p.TaskDueSoonEmail = channelUpdate(req.TaskDueSoon)
	p.TaskOverduePush, p.TaskOverdueEmail = channelUpdate(req.TaskOverdue)
	p.TaskCompletedPush, p.TaskCompletedEmail = channelUpdate(req.TaskCompleted)
	p.TaskAssignedPush, p.TaskAssignedEmail = channelUpdate(req.TaskAssigned)
	p.MemberJoinedPush, p.MemberJoinedEmail = channelUpdate(req.MemberJoined)
	p.WarrantyExpiringPush, p.WarrantyExpiringEmail = channelUpdate(req.WarrantyExpiring)
	row, err := h.q.NotificationPreferencesUpdate(ctx, h.db, p)
	if err != nil {
		return nil, fmt.Errorf("error updating notification preferences: %w", err)
	}
	return preferencesResponse((*dbsqlc.NotificationPreferencesGetRow)(row)), nil
}

// channelUpdate returns the push and email switches a kind's update sets; nil keeps the switch.
func channelUpdate(c oas.OptNotificationChannelsUpdate) (push, email *bool) {
	v, ok := c.Get()
	if !ok {
		return nil, nil
	}
	return app.PtrIf(v.Push.Get()), app.PtrIf(v.Email.Get())
}

// preferencesResponse maps a preferences row to the API type.
func preferencesResponse(r *dbsqlc.NotificationPreferencesGetRow) *oas.NotificationPreferences {
	return &oas.NotificationPreferences{
		TaskDueSoon:      oas.NotificationChannels{Push: r.TaskDueSoonPush, Email: r.TaskDueSoonEmail},
		TaskOverdue:      oas.NotificationChannels{Push: r.TaskOverduePush, Email: r.TaskOverdueEmail},
		TaskCompleted:    oas.NotificationChannels{Push: r.TaskCompletedPush, Email: r.TaskCompletedEmail},
		TaskAssigned:     oas.NotificationChannels{Push: r.TaskAssignedPush, Email: r.TaskAssignedEmail},
		MemberJoined:     oas.NotificationChannels{Push: r.MemberJoinedPush, Email: r.MemberJoinedEmail},
		WarrantyExpiring: oas.NotificationChannels{Push: r.WarrantyExpiringPush, Email: r.WarrantyExpiringEmail},
		ReminderHour:     r.ReminderHour,
		Timezone:         r.Timezone,
	}
}
