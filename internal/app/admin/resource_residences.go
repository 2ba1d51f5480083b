package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// residenceState is a residence as the audit log records it before its deletion.
type residenceState struct {
	Name        string `json:"name"`
	OwnerID     int64  `json:"owner_id"`
	Members     int    `json:"members"`
	Tasks       int64  `json:"tasks"`
	Documents   int64  `json:"documents"`
	Contractors int64  `json:"contractors"`
}

// AdminListResidences lists residences newest first, filtered by name (q) and member (user_id), one page
// and the total in one statement.
func (h *Handler) AdminListResidences(ctx context.Context, params adminoas.AdminListResidencesParams) (adminoas.AdminListResidencesRes, error) {
	pg, err := parseIDPage(params.Cursor, params.Limit)
	if err != nil {
		return nil, err
	}
	p := &dbsqlc.ResidenceAdminListParams{BeforeID: pg.beforeID, MaxRows: pg.rows(), Pattern: likePattern(params.Q),
		UserID: optID(params.UserID)}
	rows, err := h.q.ResidenceAdminList(ctx, h.db, p)
	if err != nil {
		return nil, fmt.Errorf("error listing residences: %w", err)
	}
	total, err := pg.total(len(rows), func() int64 { return rows[0].Total }, func() (int64, error) {
		p.BeforeID, p.MaxRows = nil, 1
		first, err := h.q.ResidenceAdminList(ctx, h.db, p)
		if err != nil || len(first) == 0 {
			return 0, err
		}
		return first[0].Total, nil
	})
	if err != nil {
		return nil, fmt.Errorf("error counting residences: %w", err)
	}
	n, next := pg.next(len(rows), func(i int) int64 { return rows[i].ID })
	out := &adminoas.ResidencePage{Items: make([]adminoas.ResidenceItem, 0, n), Total: total, NextCursor: next}
	for _, r := range rows[:n] {
		out.Items = append(out.Items, adminoas.ResidenceItem{ID: r.ID, Name: r.Name, OwnerID: r.OwnerID,
			OwnerEmail: r.OwnerEmail, Members: r.Members, Tasks: r.Tasks, CreatedAt: r.CreatedAt.UTC()})
	}
	return out, nil
}

// AdminGetResidence shows one residence with its members, live share codes and counts.
func (h *Handler) AdminGetResidence(ctx context.Context, params adminoas.AdminGetResidenceParams) (adminoas.AdminGetResidenceRes, error) {
	r, err := h.residence(ctx, h.db, params.ID)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// residence reads the residence id with db; no such residence is a 404.
func (h *Handler) residence(ctx context.Context, db dbsqlc.DBTX, id int64) (*adminoas.ResidenceDetail, error) {
	r, err := h.q.ResidenceAdminGet(ctx, db, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apierror.NotFound("residence")
	}
	if err != nil {
		return nil, fmt.Errorf("error reading a residence: %w", err)
	}
	out := &adminoas.ResidenceDetail{ID: r.ID, Name: r.Name, OwnerID: r.OwnerID, Timezone: r.Timezone, City: r.City,
		Country: r.Country, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Tasks: r.Tasks,
		Completions: r.Completions, Documents: r.Documents, Contractors: r.Contractors}
	if err := json.Unmarshal(r.Members, &out.Members); err != nil {
		return nil, fmt.Errorf("error decoding a residence's members: %w", err)
	}
	if err := json.Unmarshal(r.ShareCodes, &out.ShareCodes); err != nil {
		return nil, fmt.Errorf("error decoding a residence's share codes: %w", err)
	}
	return out, nil
}

// AdminDeleteResidence deletes a residence and everything in it, with its audit row, then does what the
// owner's own deletion does once committed: the board is told, every former member's access cache is
// invalidated (so each gets 404 on it at once), and the documents' files are deleted.
func (h *Handler) AdminDeleteResidence(ctx context.Context, params adminoas.AdminDeleteResidenceParams) (adminoas.AdminDeleteResidenceRes, error) {
	var row *dbsqlc.ResidenceAdminDeleteRow
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.residence(ctx, tx, params.ID)
		if err != nil {
			return nil, err
		}
		row, err = h.q.ResidenceAdminDelete(ctx, tx, params.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, apierror.NotFound("residence")
		}
		if err != nil {
			return nil, fmt.Errorf("error deleting a residence: %w", err)
		}
		return []Change{{Action: "residence.delete", TargetType: "residence", TargetID: ID(params.ID),
			Before: residenceState{Name: before.Name, OwnerID: before.OwnerID, Members: len(before.Members),
				Tasks: before.Tasks, Documents: before.Documents, Contractors: before.Contractors}}}, nil
	})
	if err != nil {
		return nil, err
	}
	h.boards.Changed(ctx, params.ID)
	if err := h.access.Invalidate(ctx, row.UserIds...); err != nil {
		h.log.WarnContext(ctx, "could not invalidate residence access cache", "users", row.UserIds, "error", err)
	}
	if len(row.StorageKeys) > 0 {
		app.DeleteFiles(ctx, h.files, h.log, row.StorageKeys...)
	}
	return &adminoas.AdminDeleteResidenceNoContent{}, nil
}
