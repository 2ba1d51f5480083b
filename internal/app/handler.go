// Package app is the hand-written core of Homekeep: it implements the handlers ogen generates from
// api/openapi.yaml on top of the queries sqlc generates from db/queries. It is the only package that imports
// the generated query package, and it converts every row into a generated API type by hand.
package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/accesscache"
	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/mail"
	"github.com/homekeep/homekeep/internal/ratelimit"
	"github.com/homekeep/homekeep/internal/refcache"
	"github.com/homekeep/homekeep/internal/reqinfo"
)

// Deps is what the handlers need from the process.
type Deps struct {
	Pool   *pgxpool.Pool
	Logger *slog.Logger
	// Auth caches tokens and users; see package authcache.
	Auth *authcache.Cache
	// Access caches which residences each user can access; see package accesscache.
	Access *accesscache.Cache
	// Refs caches the static data; see package refcache.
	Refs    *refcache.Cache
	Mailer  *mail.Mailer
	Limiter *ratelimit.Limiter
	// AuthRateLimit is the attempts per minute per IP and per email on the sensitive auth endpoints.
	AuthRateLimit int
	Passwords     PasswordParams
	// Files stores document files; see package blobstore.
	Files *blobstore.Store
	// MaxUploadSize is the largest accepted file in bytes.
	MaxUploadSize int64
}

// Handler implements every operation of the API and ogen's SecurityHandler. Missing one is a compile
// error, because the generated Unimplemented stubs are switched off.
type Handler struct {
	// db repeats a read whose connection PostgreSQL had closed (see dbpool.DB); db.Pool is the pool itself.
	db     *dbpool.DB
	q      *dbsqlc.Queries
	log    *slog.Logger
	auth   *authcache.Cache
	access *Access
	refs   *refcache.Cache
	// staticMemo is the decoded static data last served.
	staticMemo atomic.Pointer[staticMemo]
	mail       *mail.Mailer
	attempts   AttemptLimit
	passwords  *passwords
	files      *blobstore.Store
	maxUpload  int64
}

var (
	_ oas.Handler         = (*Handler)(nil)
	_ oas.SecurityHandler = (*Handler)(nil)
)

// NewHandler returns a Handler built on d.
func NewHandler(d Deps) (*Handler, error) {
	pw, err := newPasswords(d.Passwords)
	if err != nil {
		return nil, err
	}
	if d.Files == nil || d.MaxUploadSize <= 0 {
		return nil, errors.New("error creating handler: file storage and a positive upload size are required")
	}
	db := dbpool.NewDB(d.Pool, reqinfo.ReadOnly)
	return &Handler{db: db, q: dbsqlc.New(), log: d.Logger, auth: d.Auth,
		access: NewAccess(db, d.Access), refs: d.Refs, mail: d.Mailer,
		attempts: AttemptLimit{Limiter: d.Limiter, PerMinute: d.AuthRateLimit}, passwords: pw, files: d.Files,
		maxUpload: d.MaxUploadSize}, nil
}

// NewError maps any error a handler or the security layer returns to the spec's Error response. Server
// faults are logged with their cause and the request id; the client gets only the safe message.
func (h *Handler) NewError(ctx context.Context, err error) *oas.ErrorStatusCode {
	e := apierror.From(err)
	if e.Status == http.StatusServiceUnavailable {
		reqinfo.From(ctx).SetHeader("Retry-After", "1")
	}
	if level, ok := e.LogLevel(); ok {
		h.log.Log(ctx, level, "request failed", "request_id", middleware.GetReqID(ctx), "error", err)
	}
	return e.Response()
}
