// Package app is the hand-written core of Homekeep: it implements the handlers ogen generates from
// api/openapi.yaml on top of the queries sqlc generates from db/queries. It is the only package that imports
// the generated query package, and it converts every row into a generated API type by hand.
package app

import (
	"context"
	"log/slog"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Handler implements every operation of the API. Missing one is a compile error, because the generated
// Unimplemented stubs are switched off.
type Handler struct {
	db  *pgxpool.Pool
	q   *dbsqlc.Queries
	log *slog.Logger
}

var _ oas.Handler = (*Handler)(nil)

// NewHandler returns a Handler that runs its queries on pool and logs server faults to logger.
func NewHandler(pool *pgxpool.Pool, logger *slog.Logger) *Handler {
	return &Handler{db: pool, q: dbsqlc.New(), log: logger}
}

// NewError maps any error a handler or the security layer returns to the spec's Error response. Server
// faults are logged with their cause and the request id; the client gets only the safe message.
func (h *Handler) NewError(ctx context.Context, err error) *oas.ErrorStatusCode {
	e := apierror.From(err)
	if e.Status >= 500 {
		h.log.ErrorContext(ctx, "request failed", "request_id", middleware.GetReqID(ctx), "error", err)
	}
	return e.Response()
}
