package store

import (
	"context"
	"fmt"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/jobs"
	"github.com/homekeep/homekeep/internal/telemetry"
)

// ReceiveAppleNotification verifies an App Store Server Notification and records it under its
// notificationUUID with the job that applies it, in one statement, answering at once. A payload that does
// not verify answers 400, so Apple retries it; a notification recorded before changes nothing.
func (h *Handler) ReceiveAppleNotification(ctx context.Context, req *oas.AppleNotificationRequest) (oas.ReceiveAppleNotificationRes, error) {
	if h.apple == nil {
		return nil, errNotConfigured()
	}
	n, err := h.apple.VerifyNotification(req.SignedPayload)
	if err != nil || n.NotificationUUID == "" {
		return nil, apierror.Validation(map[string]string{
			"signedPayload": "is not a notification the App Store signed for this app"})
	}
	ins := jobs.StoreEventInsert
	if err := h.q.StoreEventRecord(ctx, h.db, &dbsqlc.StoreEventRecordParams{
		Store: storeApple, EventID: n.NotificationUUID, Payload: req.SignedPayload,
		JobKind: ins.Kind, JobQueue: ins.Queue, JobMaxAttempts: ins.MaxAttempts, JobMetadata: telemetry.JobMetadata(ctx),
	}); err != nil {
		return nil, fmt.Errorf("error recording an App Store notification: %w", err)
	}
	return &oas.ReceiveAppleNotificationOK{}, nil
}
