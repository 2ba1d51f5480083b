package store

import (
	"net/http"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/store/apple"
	"github.com/homekeep/homekeep/internal/store/google"
)

// The store column's values.
const (
	storeApple  = "apple"
	storeGoogle = "google"
)

// Deps is what the store operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB *dbpool.DB
	// Apple verifies App Store signed data; nil (APPLE_BUNDLE_ID unset) turns Apple purchases off.
	Apple *apple.Verifier
	// Google reads and acknowledges Google Play purchases; nil (GOOGLE_PLAY_PACKAGE_NAME unset) turns Google
	// purchases off.
	Google *google.Client
	// GooglePush authenticates a Pub/Sub push by its OIDC token; nil without GOOGLE_PUBSUB_AUDIENCE.
	GooglePush *google.PushVerifier
	// GoogleSecret authenticates a Pub/Sub push by its path segment; nil without GOOGLE_PUBSUB_SECRET.
	GoogleSecret *google.SecretPath
}

// Handler implements the Store operations.
type Handler struct {
	db    *dbpool.DB
	q     *dbsqlc.Queries
	apple *apple.Verifier

	google       *google.Client
	googlePush   *google.PushVerifier
	googleSecret *google.SecretPath
}

var _ oas.StoreHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler {
	return &Handler{db: d.DB, q: dbsqlc.New(), apple: d.Apple, google: d.Google, googlePush: d.GooglePush,
		googleSecret: d.GoogleSecret}
}

// errNotConfigured is the answer of every Apple operation while the server has no APPLE_BUNDLE_ID: the
// deployment sells nothing on the App Store, which is not the client's fault and may change.
func errNotConfigured() *apierror.Error {
	return apierror.New(http.StatusServiceUnavailable, "store_not_configured",
		"this server does not take App Store purchases (APPLE_BUNDLE_ID is unset)")
}

// errGoogleNotConfigured is errNotConfigured's Google Play twin: no GOOGLE_PLAY_PACKAGE_NAME and
// credentials, or, for the webhook, no way to authenticate a push.
func errGoogleNotConfigured() *apierror.Error {
	return apierror.New(http.StatusServiceUnavailable, "store_not_configured",
		"this server does not take Google Play purchases or notifications (README: Subscriptions)")
}
