package idempotency

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/ogen-go/ogen/middleware"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/txscope"
)

// Header is the request header that carries the key; ReplayedHeader marks a replayed response.
const (
	Header         = "Idempotency-Key"
	ReplayedHeader = "Idempotent-Replayed"
	// MaxKeyLength is the longest key accepted (a UUID is 36).
	MaxKeyLength = 255
	// retryAfterSeconds is the Retry-After of a 409 request_in_progress: most creates take milliseconds.
	retryAfterSeconds = "1"
)

// Error codes of the refusals.
const (
	CodeKeyReused  = "idempotency_key_reused"
	CodeInProgress = "request_in_progress"
)

// Operations are the operations that honour the header: every POST that creates something or completes a
// task. The store's purchase posts are idempotent without it (a transaction id is applied once), and the
// other writes set state rather than add it.
var Operations = map[oas.OperationName]bool{
	oas.CreateResidenceOperation:            true,
	oas.JoinResidenceOperation:              true,
	oas.CreateShareCodeOperation:            true,
	oas.CreateTaskOperation:                 true,
	oas.CompleteTaskOperation:               true,
	oas.CreateContractorOperation:           true,
	oas.CreateDocumentOperation:             true,
	oas.RegisterNotificationDeviceOperation: true,
}

// Keys stores and answers idempotency keys in PostgreSQL.
type Keys struct {
	db  *dbpool.DB
	log *slog.Logger
}

// New returns the keys kept in db.
func New(db *dbpool.DB, log *slog.Logger) *Keys { return &Keys{db: db, log: log} }

// errReplayed is what Middleware answers a replay with: Wrap writes the stored response, and the API's error
// handler writes nothing for it (Replayed).
var errReplayed = errors.New("idempotency: the stored response is replayed")

// Replayed reports whether err means the request's stored response is being replayed, so the error handler
// must write nothing.
func Replayed(err error) bool { return errors.Is(err, errReplayed) }

// badKey refuses a key that is empty, too long or not visible ASCII.
var badKey = apierror.Validation(map[string]string{Header: "must be 1 to 255 visible ASCII characters, sent once"})

// validKey reports whether key is 1 to MaxKeyLength visible ASCII characters.
func validKey(key string) bool {
	if key == "" || len(key) > MaxKeyLength {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// Middleware is the ogen middleware, last in the chain, that guards a keyed request of one of Operations:
// it answers a replay, a reused key or a request in progress itself, and otherwise runs the handler with its
// statements in the request's transaction, which Wrap commits with the stored response. The caller is
// authenticated by now (none of Operations defers its authentication).
func (k *Keys) Middleware(req middleware.Request, next middleware.Next) (middleware.Response, error) {
	st := stateFrom(req.Context)
	if st == nil || !Operations[req.OperationName] {
		return next(req)
	}
	if len(st.keys) != 1 || !validKey(st.keys[0]) {
		return middleware.Response{}, badKey
	}
	user := app.PrincipalFrom(req.Context).User
	if user == nil {
		return next(req)
	}
	hash, err := st.requestHash(req.Raw, req.OperationName)
	if err != nil {
		return middleware.Response{}, err
	}
	g, err := k.guard(req.Context, user.ID, st.keys[0], hash)
	if err != nil {
		return middleware.Response{}, err
	}
	switch {
	case !g.locked:
		st.w.Header().Set("Retry-After", retryAfterSeconds)
		return middleware.Response{}, apierror.New(http.StatusConflict, CodeInProgress,
			"a request with this Idempotency-Key is still being processed; retry in a moment")
	case g.stored != nil && !g.stored.sameRequest(hash):
		return middleware.Response{}, apierror.New(http.StatusUnprocessableEntity, CodeKeyReused,
			fmt.Sprintf("this Idempotency-Key was used with a different request (%s); send a new key for a new request",
				g.stored.operation))
	case g.stored != nil:
		st.replay = g.stored
		return middleware.Response{}, errReplayed
	}
	st.open = g.open
	st.userID, st.operation, st.hash = user.ID, req.OperationName, hash
	req.Context = txscope.With(req.Context, g.open.tx)
	return next(req)
}

// logFailure logs a keyed request whose transaction could not be finished.
func (k *Keys) logFailure(ctx context.Context, msg string, err error) {
	if k.log != nil {
		k.log.ErrorContext(ctx, msg, "error", err)
	}
}
