package notifications

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// defaultPageSize is the feed's page size when the request gives no limit (the spec's default).
const defaultPageSize = 20

// ListNotifications returns one page of the caller's feed, newest first, in one statement: the rows after
// the cursor's position in (created_at, id) order, one more than the page holds to tell whether another
// page follows. Positions never move, so a page never repeats or skips a row while new ones arrive.
func (h *Handler) ListNotifications(ctx context.Context, params oas.ListNotificationsParams) (oas.ListNotificationsRes, error) {
	limit := params.Limit.Or(defaultPageSize)
	p := &dbsqlc.NotificationListParams{UserID: app.PrincipalFrom(ctx).User.ID, RowLimit: limit + 1}
	if c, ok := params.Cursor.Get(); ok {
		at, id, err := decodeCursor(c)
		if err != nil {
			return nil, apierror.Validation(map[string]string{"cursor": "is not a cursor this feed gave out"})
		}
		p.BeforeCreatedAt, p.BeforeID = &at, &id
	}
	rows, err := h.q.NotificationList(ctx, h.db, p)
	if err != nil {
		return nil, fmt.Errorf("error listing notifications: %w", err)
	}
	page := &oas.NotificationPage{Items: make([]oas.Notification, 0, min(len(rows), int(limit)))}
	if len(rows) > int(limit) {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		page.NextCursor = oas.NewNilString(encodeCursor(last.CreatedAt, last.ID))
	} else {
		page.NextCursor.SetToNull()
	}
	for _, r := range rows {
		page.Items = append(page.Items, notification(r))
	}
	return page, nil
}

// encodeCursor gives out a feed position as an opaque string: base64url of "<unix microseconds>.<id>".
// PostgreSQL keeps microseconds, so the position is exact.
func encodeCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "." + strconv.FormatInt(id, 10)))
}

// decodeCursor reads back a position encodeCursor gave out.
func decodeCursor(c string) (time.Time, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, 0, err
	}
	micros, idText, ok := strings.Cut(string(raw), ".")
	if !ok {
		return time.Time{}, 0, errors.New("no separator")
	}
	us, err := strconv.ParseInt(micros, 10, 64)
	if err != nil {
		return time.Time{}, 0, err
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return time.Time{}, 0, err
	}
	return time.UnixMicro(us).UTC(), id, nil
}

// GetUnreadNotificationCount counts the caller's unread notifications in one statement (a partial index
// holds only the unread rows).
func (h *Handler) GetUnreadNotificationCount(ctx context.Context) (oas.GetUnreadNotificationCountRes, error) {
	n, err := h.q.NotificationUnreadCount(ctx, h.db, app.PrincipalFrom(ctx).User.ID)
	if err != nil {
		return nil, fmt.Errorf("error counting unread notifications: %w", err)
	}
	return &oas.UnreadNotificationCount{UnreadCount: n}, nil
}

// UpdateNotification marks one of the caller's notifications read (one already read keeps its read_at) or
// unread, in one statement.
func (h *Handler) UpdateNotification(ctx context.Context, req *oas.NotificationUpdate, params oas.UpdateNotificationParams) (oas.UpdateNotificationRes, error) {
	row, err := h.q.NotificationSetRead(ctx, h.db, &dbsqlc.NotificationSetReadParams{ID: params.ID, UserID: app.PrincipalFrom(ctx).User.ID,
		Read: req.Read})
	return notificationResponse(row, err, "error marking notification read")
}

// MarkAllNotificationsRead marks every unread notification of the caller read in one statement.
func (h *Handler) MarkAllNotificationsRead(ctx context.Context) (oas.MarkAllNotificationsReadRes, error) {
	if _, err := h.q.NotificationMarkAllRead(ctx, h.db, app.PrincipalFrom(ctx).User.ID); err != nil {
		return nil, fmt.Errorf("error marking notifications read: %w", err)
	}
	return &oas.MarkAllNotificationsReadNoContent{}, nil
}

// notificationResponse answers with one notification row, 404 when the caller has none with that id.
func notificationResponse(row *dbsqlc.Notification, err error, doing string) (*oas.Notification, error) {
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, apierror.NotFound("notification")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	n := notification(row)
	return &n, nil
}

// notification maps a feed row to the API type.
func notification(r *dbsqlc.Notification) oas.Notification {
	return oas.Notification{ID: r.ID, Kind: oas.NotificationKind(r.Kind), Title: r.Title, Body: r.Body,
		ResidenceID: app.NilInt64(r.ResidenceID), TaskID: app.NilInt64(r.TaskID), DocumentID: app.NilInt64(r.DocumentID),
		ReadAt: app.NilDateTime(app.UTCPtr(r.ReadAt)), CreatedAt: r.CreatedAt.UTC()}
}
