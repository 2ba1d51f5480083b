// Package contractors implements the Contractors operations of the API. Contractors belong to a residence
// (every member reads them; owners and editors change them) or are personal (residence_id NULL: only their
// creator sees or changes them). Every contractor query returns the same card columns (see
// db/queries/contractors.sql), so rows convert to ContractorGetRow.
package contractors

import (
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/boardversion"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Deps is what the contractor operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB *dbpool.DB
	// Access lists the residences each user can access (the list, and refusals, read it).
	Access *app.Access
	// Boards is bumped for the residences whose task cards show a contractor that changed.
	Boards *boardversion.Store
}

// Handler implements the Contractors operations.
type Handler struct {
	db     *dbpool.DB
	q      *dbsqlc.Queries
	access *app.Access
	boards *boardversion.Store
}

var _ oas.ContractorsHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler {
	return &Handler{db: d.DB, q: dbsqlc.New(), access: d.Access, boards: d.Boards}
}
