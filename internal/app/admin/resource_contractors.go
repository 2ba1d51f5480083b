package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// contractorState is a contractor as the audit log records it before its deletion.
type contractorState struct {
	ResidenceID *int64 `json:"residence_id"`
	CreatedBy   *int64 `json:"created_by"`
	Name        string `json:"name"`
	Company     string `json:"company"`
}

func contractorItem(c *dbsqlc.Contractor) adminoas.ContractorItem {
	return adminoas.ContractorItem{ID: c.ID, ResidenceID: nilInt64Of(c.ResidenceID), CreatedBy: nilInt64Of(c.CreatedBy),
		Name: c.Name, Company: c.Company, Phone: c.Phone, Email: c.Email, CreatedAt: c.CreatedAt.UTC()}
}

// AdminListContractors lists contractors newest first, filtered by name or company (q), residence and creator.
func (h *Handler) AdminListContractors(ctx context.Context, params adminoas.AdminListContractorsParams) (adminoas.AdminListContractorsRes, error) {
	pg, err := parseIDPage(params.Cursor, params.Limit)
	if err != nil {
		return nil, err
	}
	p := &dbsqlc.ContractorAdminListParams{BeforeID: pg.beforeID, MaxRows: pg.rows(), Pattern: likePattern(params.Q),
		ResidenceID: optID(params.ResidenceID), UserID: optID(params.UserID)}
	rows, err := h.q.ContractorAdminList(ctx, h.db, p)
	if err != nil {
		return nil, fmt.Errorf("error listing contractors: %w", err)
	}
	total, err := pg.total(len(rows), func() int64 { return rows[0].Total }, func() (int64, error) {
		p.BeforeID, p.MaxRows = nil, 1
		first, err := h.q.ContractorAdminList(ctx, h.db, p)
		if err != nil || len(first) == 0 {
			return 0, err
		}
		return first[0].Total, nil
	})
	if err != nil {
		return nil, fmt.Errorf("error counting contractors: %w", err)
	}
	n, next := pg.next(len(rows), func(i int) int64 { return rows[i].Contractor.ID })
	out := &adminoas.ContractorPage{Items: make([]adminoas.ContractorItem, 0, n), Total: total, NextCursor: next}
	for _, r := range rows[:n] {
		out.Items = append(out.Items, contractorItem(&r.Contractor))
	}
	return out, nil
}

// AdminGetContractor shows one contractor.
func (h *Handler) AdminGetContractor(ctx context.Context, params adminoas.AdminGetContractorParams) (adminoas.AdminGetContractorRes, error) {
	c, err := h.contractor(ctx, h.db, params.ID)
	if err != nil {
		return nil, err
	}
	out := contractorItem(c)
	return &out, nil
}

// contractor reads the contractor id with db; no such contractor is a 404.
func (h *Handler) contractor(ctx context.Context, db dbsqlc.DBTX, id int64) (*dbsqlc.Contractor, error) {
	c, err := h.q.ContractorAdminGet(ctx, db, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apierror.NotFound("contractor")
	}
	if err != nil {
		return nil, fmt.Errorf("error reading a contractor: %w", err)
	}
	return &c.Contractor, nil
}

// AdminDeleteContractor deletes a contractor as the app does (tasks and completions that named it stay,
// without it), with its audit row, then bumps the boards of the residences whose tasks named it.
func (h *Handler) AdminDeleteContractor(ctx context.Context, params adminoas.AdminDeleteContractorParams) (adminoas.AdminDeleteContractorRes, error) {
	var boards []int64
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.contractor(ctx, tx, params.ID)
		if err != nil {
			return nil, err
		}
		res, err := h.q.ContractorAdminDelete(ctx, tx, params.ID)
		if err != nil {
			return nil, fmt.Errorf("error deleting a contractor: %w", err)
		}
		if res.Deleted == 0 {
			return nil, apierror.NotFound("contractor")
		}
		boards = res.TaskResidenceIds
		return []Change{{Action: "contractor.delete", TargetType: "contractor", TargetID: ID(params.ID),
			Before: contractorState{ResidenceID: before.ResidenceID, CreatedBy: before.CreatedBy, Name: before.Name,
				Company: before.Company}}}, nil
	})
	if err != nil {
		return nil, err
	}
	h.boards.Changed(ctx, boards...)
	return &adminoas.AdminDeleteContractorNoContent{}, nil
}
