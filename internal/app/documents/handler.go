package documents

import (
	"errors"
	"log/slog"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Deps is what the document operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB     *dbpool.DB
	Logger *slog.Logger
	// Access lists the residences each user can access (the lists read it).
	Access *app.Access
	// Files stores document files; see package blobstore.
	Files *blobstore.Store
	// MaxUploadSize is the largest accepted file in bytes.
	MaxUploadSize int64
}

// Handler implements the Documents operations.
type Handler struct {
	db        *dbpool.DB
	q         *dbsqlc.Queries
	log       *slog.Logger
	access    *app.Access
	files     *blobstore.Store
	maxUpload int64
}

var _ oas.DocumentsHandler = (*Handler)(nil)

// New returns a Handler built on d; it fails without file storage or a positive upload size.
func New(d Deps) (*Handler, error) {
	if d.Files == nil || d.MaxUploadSize <= 0 {
		return nil, errors.New("error creating the documents handler: file storage and a positive upload size are required")
	}
	return &Handler{db: d.DB, q: dbsqlc.New(), log: d.Logger, access: d.Access, files: d.Files,
		maxUpload: d.MaxUploadSize}, nil
}
