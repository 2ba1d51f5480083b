// Package reference implements the Reference operations of the API: the static data (residence types,
// task categories, priorities, frequencies and contractor specialties) every client loads, served from the
// reference cache with an ETag.
package reference

import (
	"sync/atomic"

	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/refcache"
)

// Deps is what the static data operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB *dbpool.DB
	// Refs caches the static data; see package refcache.
	Refs *refcache.Cache
}

// Handler implements the Reference operations.
type Handler struct {
	db   *dbpool.DB
	q    *dbsqlc.Queries
	refs *refcache.Cache
	// staticMemo is the decoded static data last served.
	staticMemo atomic.Pointer[staticMemo]
}

var _ oas.ReferenceHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler {
	return &Handler{db: d.DB, q: dbsqlc.New(), refs: d.Refs}
}
