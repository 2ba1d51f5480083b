package residences

import (
	"log/slog"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/boardversion"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Deps is what the residence operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB     *dbpool.DB
	Logger *slog.Logger
	// Access lists the residences each user can access; every membership change invalidates it.
	Access *app.Access
	// Attempts limits joins by share code per user and per IP.
	Attempts app.AttemptLimit
	// Files stores document files: deleting a residence deletes its documents' files.
	Files *blobstore.Store
	// Boards is bumped when a residence, its timezone or its members change.
	Boards *boardversion.Store
}

// Handler implements the Residences operations.
type Handler struct {
	db       *dbpool.DB
	q        *dbsqlc.Queries
	log      *slog.Logger
	access   *app.Access
	attempts app.AttemptLimit
	files    *blobstore.Store
	boards   *boardversion.Store
}

var _ oas.ResidencesHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler {
	return &Handler{db: d.DB, q: dbsqlc.New(), log: d.Logger, access: d.Access, attempts: d.Attempts, files: d.Files,
		boards: d.Boards}
}
