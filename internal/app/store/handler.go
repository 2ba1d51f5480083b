package store

import (
	"net/http"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/store/apple"
)

// storeApple is the store column's value for the App Store.
const storeApple = "apple"

// Deps is what the store operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB *dbpool.DB
	// Apple verifies App Store signed data; nil (APPLE_BUNDLE_ID unset) turns Apple purchases off.
	Apple *apple.Verifier
}

// Handler implements the Store operations.
type Handler struct {
	db    *dbpool.DB
	q     *dbsqlc.Queries
	apple *apple.Verifier
}

var _ oas.StoreHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler {
	return &Handler{db: d.DB, q: dbsqlc.New(), apple: d.Apple}
}

// errNotConfigured is the answer of every Apple operation while the server has no APPLE_BUNDLE_ID: the
// deployment sells nothing on the App Store, which is not the client's fault and may change.
func errNotConfigured() *apierror.Error {
	return apierror.New(http.StatusServiceUnavailable, "store_not_configured",
		"this server does not take App Store purchases (APPLE_BUNDLE_ID is unset)")
}
