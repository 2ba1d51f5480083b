package accounts

import (
	"log/slog"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/boardversion"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Deps is what the account operations and authentication use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB     *dbpool.DB
	Logger *slog.Logger
	// Auth caches tokens and users and spreads their revocation; see package authcache.
	Auth *authcache.Cache
	// Attempts limits sign-in and code attempts per IP and per email.
	Attempts  app.AttemptLimit
	Passwords PasswordParams
	// Files stores document files: deleting an account deletes the files of the residences it owned.
	Files *blobstore.Store
	// Boards is bumped for the residences whose task cards show a user whose name changed or who is gone.
	Boards *boardversion.Store
}

// Handler implements the Accounts operations (sign-up, sign-in, the caller's profile, emailed codes,
// passwords) and ogen's SecurityHandler, which authenticates every other request.
type Handler struct {
	db        *dbpool.DB
	q         *dbsqlc.Queries
	log       *slog.Logger
	auth      *authcache.Cache
	attempts  app.AttemptLimit
	passwords *passwords
	files     *blobstore.Store
	boards    *boardversion.Store
}

var (
	_ oas.AccountsHandler = (*Handler)(nil)
	_ oas.SecurityHandler = (*Handler)(nil)
)

// New returns a Handler built on d; it fails only when d.Passwords cannot hash.
func New(d Deps) (*Handler, error) {
	pw, err := newPasswords(d.Passwords)
	if err != nil {
		return nil, err
	}
	return &Handler{db: d.DB, q: dbsqlc.New(), log: d.Logger, auth: d.Auth, attempts: d.Attempts,
		passwords: pw, files: d.Files, boards: d.Boards}, nil
}
