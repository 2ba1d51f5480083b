// Package delivery sends notifications by push and email: the notification_send job (package jobs) that
// every feed row whose recipient wants it gets in the statement that wrote the row, and the test the API's
// POST /notifications/test sends. Every attempt is logged in notification_deliveries, per channel and device,
// which is both the answer to "why didn't I get it?" (GET /notifications/{id}) and the memory that keeps a
// retried job from sending again what an earlier attempt sent.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/mail"
	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/unsubscribe"
)

// Statuses of a delivery attempt (notification_deliveries.status).
const (
	StatusSent    = "sent"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
)

// Channels (notification_deliveries.channel).
const (
	ChannelPush  = "push"
	ChannelEmail = "email"
)

// DB is what a Deliverer runs its statements on: a pool, or the API's dbpool.DB.
type DB = dbsqlc.DBTX

// SecretStore is the unsubscribe.KeyStore of the server_secrets table db reaches. When another process stores
// its value at the same moment, the first statement sees neither (its snapshot predates the other's commit);
// the second one returns the other's, so every process ends with the one value.
func SecretStore(db DB) unsubscribe.KeyStore {
	q := dbsqlc.New()
	return func(ctx context.Context, name string, value []byte) ([]byte, error) {
		for range 2 {
			v, err := q.ServerSecretEnsure(ctx, db, &dbsqlc.ServerSecretEnsureParams{Name: name, Value: value})
			if errors.Is(err, pgx.ErrNoRows) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("error reading server secret %s: %w", name, err)
			}
			return v, nil
		}
		return nil, fmt.Errorf("error reading server secret %s: none stored", name)
	}
}

// Deps is what a Deliverer sends with.
type Deps struct {
	// DB runs the delivery's statements (the workers' pool, or the API's for a test).
	DB     DB
	Mailer *mail.Mailer
	// Push sends pushes; nil means no push channel is configured: pushes are skipped, and logged so.
	Push push.Sender
	// Links signs the unsubscribe links of notification emails.
	Links *unsubscribe.Signer
	// PublicURL is the server's address as users' browsers reach it (PUBLIC_URL), which the links start with.
	PublicURL string
	Logger    *slog.Logger
	// Now is the clock links expire by; nil means time.Now.
	Now func() time.Time
}

// Deliverer sends notifications. It is safe for concurrent use.
type Deliverer struct {
	d Deps
	q *dbsqlc.Queries
}

// New returns a Deliverer built on d.
func New(d Deps) *Deliverer {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Deliverer{d: d, q: dbsqlc.New()}
}

// ErrRetry wraps the failures of an attempt that a later attempt may fix (a timeout, a 4xx from the mail
// server, a push service's 5xx or rate limit). Send's other errors are the database's.
var ErrRetry = errors.New("delivery failed; worth another attempt")

// Send delivers the notification by the channels its recipient has on for its kind now: an email unless an
// earlier attempt sent it, and a push to each active device no earlier attempt reached. attempt is the job's
// attempt, logged with each try. A notification that is gone, or whose recipient is deactivated, sends
// nothing. It returns an error wrapping ErrRetry when something failed that another attempt may fix.
func (s *Deliverer) Send(ctx context.Context, notificationID int64, attempt int) error {
	n, err := s.q.NotificationSendLoad(ctx, s.d.DB, notificationID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("error loading notification %d to deliver: %w", notificationID, err)
	}
	if !n.IsActive {
		return nil
	}
	var failed []error
	if n.EmailOn && !n.EmailSent {
		if err := s.sendEmail(ctx, n, attempt); err != nil {
			failed = append(failed, err)
		}
	}
	if n.PushOn {
		if err := s.pushAll(ctx, n, attempt); err != nil {
			var ra *RetryAfterError
			if errors.As(err, &ra) && len(failed) == 0 {
				return ra // the wait the push service asked for, with nothing else failed
			}
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}

// record logs one attempt. notificationID 0 is a test, which belongs to no notification.
func (s *Deliverer) record(ctx context.Context, notificationID, userID int64, channel string, deviceID int64,
	status string, attempt int, reason string) error {
	p := &dbsqlc.NotificationDeliveryRecordParams{UserID: userID, Channel: channel, Status: status,
		Attempt: int32(min(attempt, 1<<30)), Error: reason} //nolint:gosec // G115: bounded above
	if notificationID != 0 {
		p.NotificationID = &notificationID
	}
	if deviceID != 0 {
		p.DeviceID = &deviceID
	}
	if err := s.q.NotificationDeliveryRecord(ctx, s.d.DB, p); err != nil {
		return fmt.Errorf("error logging a %s delivery: %w", channel, err)
	}
	return nil
}
