package residences

import (
	"context"
	"log/slog"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/boardversion"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/identity"
	"github.com/homekeep/homekeep/internal/txscope"
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
	// Users evicts a cached user whose timezone the first residence set; nil caches no user.
	Users UserEvicter
}

// UserEvicter drops a changed user from every process's user cache (authcache.Cache).
type UserEvicter interface {
	EvictUser(ctx context.Context, id int64) error
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
	users    UserEvicter
}

var _ oas.ResidencesHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler {
	return &Handler{db: d.DB, q: dbsqlc.New(), log: d.Logger, access: d.Access, attempts: d.Attempts, files: d.Files,
		boards: d.Boards, users: d.Users}
}

// timezoneTaken evicts the cached user after a residence it created or joined gave it the residence's
// timezone tz (it had never chosen one), so the profile shows it from the next request on. The statement only
// changes a user without users.timezone_set. A residence in the timezone the user already has changes only
// the flag, which a stale cached copy gets wrong harmlessly (the statement checks the row), so it evicts
// nothing: an eviction costs the user's next requests their warm caches.
func (h *Handler) timezoneTaken(ctx context.Context, user *identity.User, tz string) {
	if user.TimezoneSet || tz == user.Timezone || h.users == nil {
		return
	}
	txscope.AfterCommit(ctx, func(ctx context.Context) {
		if err := h.users.EvictUser(ctx, user.ID); err != nil {
			h.log.WarnContext(ctx, "could not evict the user whose timezone changed", "user_id", user.ID, "error", err)
		}
	})
}
