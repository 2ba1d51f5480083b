package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"
	ogenmiddleware "github.com/ogen-go/ogen/middleware"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/documents"
	"github.com/homekeep/homekeep/internal/app/idempotency"
	"github.com/homekeep/homekeep/internal/app/store"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/telemetry"
	"github.com/homekeep/homekeep/internal/textinput"
)

// PathPrefix is where the API is mounted; ogen routes on the full path, so it must know the prefix.
const PathPrefix = "/api"

// maxMultipartMemory is how much of a multipart body ogen keeps in memory: a file part larger than this is
// written to a temporary file (removed when the request ends) while the body is parsed, and the handler
// streams it from there to storage.
const maxMultipartMemory = 1 << 20

// UploadOverhead is what a multipart upload may add to MAX_UPLOAD_SIZE (boundaries, part headers, the
// metadata fields), so that a body limit of MAX_UPLOAD_SIZE + UploadOverhead admits every valid upload.
const UploadOverhead = 64 << 10

// NewServer composes hs into the generated ogen server, hs.Accounts authenticating, and sends every error
// through the one JSON error shape: what a handler returns as a Go error, a refused token, a request that
// does not decode or validate, an unknown path or a wrong method. Handlers answer errors with Go errors (an
// *apierror.Error for a 4xx), never with the generated error types, which exist for the clients: the spec
// declares each operation's error statuses, and the contract tests hold the server to them.
//
// extra options come last (the service passes its tracer provider there).
func NewServer(hs Handlers, logger *slog.Logger, extra ...oas.ServerOption) (*oas.Server, error) {
	h := &handler{AccountsHandler: hs.Accounts, ContractorsHandler: hs.Contractors, DocumentsHandler: hs.Documents,
		NotificationsHandler: hs.Notifications, ReferenceHandler: hs.Reference, ResidencesHandler: hs.Residences, SubscriptionsHandler: hs.Subscriptions,
		StoreHandler: hs.Store,
		TasksHandler: hs.Tasks}
	middlewares := []ogenmiddleware.Middleware{app.SettleAuthentication, telemetry.NoteSpan, textinput.Middleware,
		documents.RefuseFileInJSON, store.PushAuthorization}
	if hs.Idempotency != nil {
		// Last: a request the checks above refuse opens no transaction, and the handler's context is the one
		// whose statements run in it.
		middlewares = append(middlewares, hs.Idempotency.Middleware)
	}
	opts := append([]oas.ServerOption{
		oas.WithPathPrefix(PathPrefix),
		oas.WithMaxMultipartMemory(maxMultipartMemory),
		// SettleAuthentication first: no answer, not even textinput's 400, leaves before the caller is
		// authenticated (see app.ReadAuthenticated).
		oas.WithMiddleware(middlewares...),
		// Server faults are logged with their cause and the request id; the client gets only the safe
		// message. A handler's error arrives here too, after its handler settled any pending authentication.
		oas.WithErrorHandler(func(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
			if idempotency.Replayed(err) {
				return // idempotency's Wrap sends the stored response
			}
			err = app.SettleBeforeError(ctx, err)
			e := decodeError(r, err)
			if level, ok := e.LogLevel(); ok {
				logger.Log(ctx, level, "request failed", "request_id", middleware.GetReqID(ctx), "error", err)
			}
			apierror.Write(w, e)
		}),
		// The same answers as the router's outside /api.
		oas.WithNotFound(apierror.WriteNotFound),
		oas.WithMethodNotAllowed(apierror.WriteMethodNotAllowed),
	}, extra...)
	srv, err := oas.NewServer(h, hs.Accounts, opts...)
	if err != nil {
		return nil, fmt.Errorf("error creating API server: %w", err)
	}
	return srv, nil
}
