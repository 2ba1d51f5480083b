// Package tasks implements the Tasks operations of the API: tasks and their state actions, the board
// across residences and one residence's board (with ETags), completions, and the task templates.
package tasks

import (
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Deps is what the task operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB *dbpool.DB
	// Access lists the residences each user can access (one residence's board checks it).
	Access *app.Access
}

// Handler implements the Tasks operations.
type Handler struct {
	db     *dbpool.DB
	q      *dbsqlc.Queries
	access *app.Access
}

var _ oas.TasksHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler {
	return &Handler{db: d.DB, q: dbsqlc.New(), access: d.Access}
}
