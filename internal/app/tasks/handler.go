// Package tasks implements the Tasks operations of the API: tasks and their state actions, the board
// across residences and one residence's board (with ETags), completions, and the task templates.
package tasks

import (
	"time"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/boardversion"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Deps is what the task operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB *dbpool.DB
	// Access lists the residences each user can access (one residence's board checks it, and a board's
	// ETag is computed over them).
	Access *app.Access
	// Boards holds the board versions every task write bumps; nil serves every board from its statement.
	Boards *boardversion.Store
	// BoardCacheSize bounds the boards kept built in process, in bytes (roughly); zero keeps none.
	BoardCacheSize int64
	// Now is the clock a board's local dates are read from; nil is time.Now.
	Now func() time.Time
}

// Handler implements the Tasks operations.
type Handler struct {
	db     *dbpool.DB
	q      *dbsqlc.Queries
	access *app.Access
	boards *boardversion.Store
	built  *boardCache
	// lists are the residence lists last read per user: a board's guess when the access cache has none.
	lists *lastLists
	now   func() time.Time
}

var _ oas.TasksHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Handler{db: d.DB, q: dbsqlc.New(), access: d.Access, boards: d.Boards, built: newBoardCache(d.BoardCacheSize),
		lists: newLastLists(), now: d.Now}
}
