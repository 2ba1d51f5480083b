package api

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app/accounts"
	"github.com/homekeep/homekeep/internal/app/contractors"
	"github.com/homekeep/homekeep/internal/app/documents"
	"github.com/homekeep/homekeep/internal/app/reference"
	"github.com/homekeep/homekeep/internal/app/residences"
	"github.com/homekeep/homekeep/internal/app/tasks"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/reqinfo"
)

// Handlers are the operation groups' handlers the API is made of, one per x-ogen-operation-group of
// api/openapi.yaml.
type Handlers struct {
	// Accounts also authenticates every request that needs a token (it is ogen's SecurityHandler).
	Accounts    *accounts.Handler
	Residences  *residences.Handler
	Tasks       *tasks.Handler
	Contractors *contractors.Handler
	Documents   *documents.Handler
	Reference   *reference.Handler
}

// handler is the whole oas.Handler: every group's handler, embedded, and the one mapping of errors to
// responses. Embedding the generated group interfaces (rather than the group types, which are all named
// Handler) keeps each operation's method promoted from exactly one group.
type handler struct {
	oas.AccountsHandler
	oas.ContractorsHandler
	oas.DocumentsHandler
	oas.ReferenceHandler
	oas.ResidencesHandler
	oas.TasksHandler
	log *slog.Logger
}

var _ oas.Handler = (*handler)(nil)

// NewError maps any error a handler or the security layer returns to the spec's Error response. Server
// faults are logged with their cause and the request id; the client gets only the safe message.
func (h *handler) NewError(ctx context.Context, err error) *oas.ErrorStatusCode {
	e := apierror.From(err)
	if e.Status == http.StatusServiceUnavailable {
		reqinfo.From(ctx).SetHeader("Retry-After", "1")
	}
	if level, ok := e.LogLevel(); ok {
		h.log.Log(ctx, level, "request failed", "request_id", middleware.GetReqID(ctx), "error", err)
	}
	return e.Response()
}
