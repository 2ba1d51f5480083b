package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/ogen-go/ogen/middleware"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/jobs"
	"github.com/homekeep/homekeep/internal/store/google"
	"github.com/homekeep/homekeep/internal/telemetry"
)

// ReceiveGoogleNotification authenticates a Pub/Sub push of a Play developer notification (its OIDC token
// with GOOGLE_PUBSUB_AUDIENCE, its path segment with GOOGLE_PUBSUB_SECRET, both when both are set), decodes
// it and records it under its messageId with the job that applies it, in one statement, answering 204 at
// once. A push about another app is answered 204 and dropped; one recorded before changes nothing. A
// refused push answers 403, a key set Google's servers cannot give now 503, so that Pub/Sub pushes again.
func (h *Handler) ReceiveGoogleNotification(ctx context.Context, req *oas.GooglePushRequest,
	params oas.ReceiveGoogleNotificationParams) (oas.ReceiveGoogleNotificationRes, error) {
	if h.google == nil || (h.googlePush == nil && h.googleSecret == nil) {
		return nil, errGoogleNotConfigured()
	}
	if h.googleSecret != nil && !h.googleSecret.Matches(params.Secret) {
		return nil, errPushRefused()
	}
	if h.googlePush != nil {
		err := h.googlePush.Verify(ctx, authorizationFrom(ctx))
		if errors.Is(err, google.ErrPushRefused) {
			return nil, errPushRefused()
		}
		if err != nil { // Google's key set cannot be fetched now: Pub/Sub pushes again after a 503
			return nil, errGoogleUnavailable(fmt.Errorf("error authenticating a Google Play push: %w", err))
		}
	}
	body, err := json.Marshal(pushBody{Message: pushMessage{Data: req.Message.Data, MessageID: req.Message.MessageID,
		PublishTime: req.Message.PublishTime.Or("")}, Subscription: req.Subscription.Or("")})
	if err != nil {
		return nil, fmt.Errorf("error encoding a Google Play push: %w", err)
	}
	push, err := google.ParsePush(body)
	if err != nil {
		return nil, apierror.Validation(map[string]string{"message": "is not a Pub/Sub push of a Play developer notification"})
	}
	if push.Notification.PackageName != h.google.PackageName() {
		return &oas.ReceiveGoogleNotificationNoContent{}, nil
	}
	ins := jobs.StoreEventInsert
	if err := h.q.StoreEventRecord(ctx, h.db, &dbsqlc.StoreEventRecordParams{
		Store: storeGoogle, EventID: push.MessageID, Payload: string(body),
		JobKind: ins.Kind, JobQueue: ins.Queue, JobMaxAttempts: ins.MaxAttempts, JobMetadata: telemetry.JobMetadata(ctx),
	}); err != nil {
		return nil, fmt.Errorf("error recording a Google Play notification: %w", err)
	}
	return &oas.ReceiveGoogleNotificationNoContent{}, nil
}

// pushBody is the part of a Pub/Sub push that is recorded and that google.ParsePush reads.
type pushBody struct {
	Message      pushMessage `json:"message"`
	Subscription string      `json:"subscription,omitempty"`
}

// pushMessage is a Pub/Sub push's message.
type pushMessage struct {
	Data        string `json:"data"`
	MessageID   string `json:"messageId"`
	PublishTime string `json:"publishTime,omitempty"`
}

// errPushRefused answers a push that does not prove Google's Pub/Sub sent it for this server.
func errPushRefused() *apierror.Error {
	return apierror.New(http.StatusForbidden, "push_refused", "this push is not authenticated as the Play notifications' Pub/Sub subscription")
}

// authorizationKey is the context key of the Authorization header of a Google push.
type authorizationKey struct{}

// authorizationFrom returns the Authorization header PushAuthorization kept, or "".
func authorizationFrom(ctx context.Context) string {
	v, _ := ctx.Value(authorizationKey{}).(string)
	return v
}

// PushAuthorization is ogen middleware that hands the Authorization header of a Google push to its handler,
// which checks Pub/Sub's token there: ogen gives operations without a security scheme no headers the spec
// does not declare, and OpenAPI ignores a declared Authorization header.
func PushAuthorization(req middleware.Request, next middleware.Next) (middleware.Response, error) {
	if req.OperationName == oas.ReceiveGoogleNotificationOperation && req.Raw != nil {
		req.SetContext(context.WithValue(req.Context, authorizationKey{}, req.Raw.Header.Get("Authorization")))
	}
	return next(req)
}
