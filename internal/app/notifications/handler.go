// Package notifications implements the Notifications operations of the API: the caller's notification
// preferences, the devices pushes go to, the in-app feed with each notification's delivery log, the test
// push and email, and the pages of emails' unsubscribe links (which need no sign-in: the link is signed). Every query is keyed by the caller's user id,
// so another user's device or notification answers 404 as if it did not exist, and each operation is one
// statement once the caller is authenticated.
package notifications

import (
	"time"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/delivery"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/push/endpoint"
	"github.com/homekeep/homekeep/internal/unsubscribe"
)

// Deps is what the notification operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB *dbpool.DB
	// Delivery sends the test push and email (POST /notifications/test).
	Delivery *delivery.Deliverer
	// Links checks the unsubscribe links of notification emails.
	Links *unsubscribe.Signer
	// Attempts limits tests per user.
	Attempts app.AttemptLimit
	// Now is the clock links expire by; nil means time.Now.
	Now func() time.Time
	// WebPushKey is the VAPID public key web clients subscribe with; "" while Web Push is off.
	WebPushKey string
	// Endpoints is the guard Web Push and UnifiedPush endpoints pass at registration.
	Endpoints endpoint.Policy
}

// Handler implements the Notifications operations.
type Handler struct {
	db       *dbpool.DB
	q        *dbsqlc.Queries
	delivery *delivery.Deliverer
	links    *unsubscribe.Signer
	attempts app.AttemptLimit
	now      func() time.Time
	vapid    string
	guard    endpoint.Policy
}

var _ oas.NotificationsHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Handler{db: d.DB, q: dbsqlc.New(), delivery: d.Delivery, links: d.Links, attempts: d.Attempts, now: d.Now,
		vapid: d.WebPushKey, guard: d.Endpoints}
}
