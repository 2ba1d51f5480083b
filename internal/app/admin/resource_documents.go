package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// documentState is a document as the audit log records it before its deletion.
type documentState struct {
	ResidenceID int64   `json:"residence_id"`
	Title       string  `json:"title"`
	DocType     string  `json:"doc_type"`
	FileName    *string `json:"file_name"`
}

func documentItem(d *dbsqlc.Document) adminoas.DocumentItem {
	return adminoas.DocumentItem{ID: d.ID, ResidenceID: d.ResidenceID, Title: d.Title, DocType: d.DocType,
		FileName: nilStringOf(d.FileName), SizeBytes: nilInt64Of(d.SizeBytes), CreatedBy: nilInt64Of(d.CreatedBy),
		CreatedAt: d.CreatedAt.UTC()}
}

// AdminListDocuments lists documents newest first, filtered by title (q), residence and creator.
func (h *Handler) AdminListDocuments(ctx context.Context, params adminoas.AdminListDocumentsParams) (adminoas.AdminListDocumentsRes, error) {
	pg, err := parseIDPage(params.Cursor, params.Limit)
	if err != nil {
		return nil, err
	}
	p := &dbsqlc.DocumentAdminListParams{BeforeID: pg.beforeID, MaxRows: pg.rows(), Pattern: likePattern(params.Q),
		ResidenceID: optID(params.ResidenceID), UserID: optID(params.UserID)}
	rows, err := h.q.DocumentAdminList(ctx, h.db, p)
	if err != nil {
		return nil, fmt.Errorf("error listing documents: %w", err)
	}
	total, err := pg.total(len(rows), func() int64 { return rows[0].Total }, func() (int64, error) {
		p.BeforeID, p.MaxRows = nil, 1
		first, err := h.q.DocumentAdminList(ctx, h.db, p)
		if err != nil || len(first) == 0 {
			return 0, err
		}
		return first[0].Total, nil
	})
	if err != nil {
		return nil, fmt.Errorf("error counting documents: %w", err)
	}
	n, next := pg.next(len(rows), func(i int) int64 { return rows[i].Document.ID })
	out := &adminoas.DocumentPage{Items: make([]adminoas.DocumentItem, 0, n), Total: total, NextCursor: next}
	for _, r := range rows[:n] {
		out.Items = append(out.Items, documentItem(&r.Document))
	}
	return out, nil
}

// AdminGetDocument shows one document.
func (h *Handler) AdminGetDocument(ctx context.Context, params adminoas.AdminGetDocumentParams) (adminoas.AdminGetDocumentRes, error) {
	d, err := h.document(ctx, h.db, params.ID)
	if err != nil {
		return nil, err
	}
	out := documentItem(d)
	return &out, nil
}

// document reads the document id with db; no such document is a 404.
func (h *Handler) document(ctx context.Context, db dbsqlc.DBTX, id int64) (*dbsqlc.Document, error) {
	d, err := h.q.DocumentAdminGet(ctx, db, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apierror.NotFound("document")
	}
	if err != nil {
		return nil, fmt.Errorf("error reading a document: %w", err)
	}
	return &d.Document, nil
}

// AdminDeleteDocument deletes a document with its audit row, then its file once committed, as the app does.
func (h *Handler) AdminDeleteDocument(ctx context.Context, params adminoas.AdminDeleteDocumentParams) (adminoas.AdminDeleteDocumentRes, error) {
	var key *string
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.document(ctx, tx, params.ID)
		if err != nil {
			return nil, err
		}
		key, err = h.q.DocumentAdminDelete(ctx, tx, params.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, apierror.NotFound("document")
		}
		if err != nil {
			return nil, fmt.Errorf("error deleting a document: %w", err)
		}
		return []Change{{Action: "document.delete", TargetType: "document", TargetID: ID(params.ID),
			Before: documentState{ResidenceID: before.ResidenceID, Title: before.Title, DocType: before.DocType,
				FileName: before.FileName}}}, nil
	})
	if err != nil {
		return nil, err
	}
	if key != nil {
		app.DeleteFiles(ctx, h.files, h.log, *key)
	}
	return &adminoas.AdminDeleteDocumentNoContent{}, nil
}
