// Package notifications implements the Notifications operations of the API: the caller's notification
// preferences, the devices pushes go to, and the in-app feed. Every query is keyed by the caller's user id,
// so another user's device or notification answers 404 as if it did not exist, and each operation is one
// statement once the caller is authenticated.
package notifications

import (
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Deps is what the notification operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB *dbpool.DB
}

// Handler implements the Notifications operations.
type Handler struct {
	db *dbpool.DB
	q  *dbsqlc.Queries
}

var _ oas.NotificationsHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler {
	return &Handler{db: d.DB, q: dbsqlc.New()}
}
