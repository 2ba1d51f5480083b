// Package app is the hand-written core of Homekeep: it implements the handlers ogen generates from
// api/openapi.yaml on top of the queries sqlc generates from db/queries. It is the only package that imports
// the generated query package, and it converts every row into a generated API type by hand.
package app

import (
	"errors"
	"log/slog"

	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Deps is what the handlers still in this package need from the process.
type Deps struct {
	DB     *dbpool.DB
	Logger *slog.Logger
	Access *Access
	// Files stores document files; see package blobstore.
	Files *blobstore.Store
	// MaxUploadSize is the largest accepted file in bytes.
	MaxUploadSize int64
}

// Handler implements the contractor and document operations.
type Handler struct {
	// db repeats a read whose connection PostgreSQL had closed (see dbpool.DB); db.Pool is the pool itself.
	db        *dbpool.DB
	q         *dbsqlc.Queries
	log       *slog.Logger
	access    *Access
	files     *blobstore.Store
	maxUpload int64
}

var (
	_ oas.ContractorsHandler = (*Handler)(nil)
	_ oas.DocumentsHandler   = (*Handler)(nil)
)

// NewHandler returns a Handler built on d.
func NewHandler(d Deps) (*Handler, error) {
	if d.Files == nil || d.MaxUploadSize <= 0 {
		return nil, errors.New("error creating handler: file storage and a positive upload size are required")
	}
	return &Handler{db: d.DB, q: dbsqlc.New(), log: d.Logger, access: d.Access,
		files: d.Files, maxUpload: d.MaxUploadSize}, nil
}
