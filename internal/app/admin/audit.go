package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/reqinfo"
)

// Change is what one admin mutation did, as the audit log records it: the action ("lookup.create",
// "user.deactivate", …), the kind and id of its target, and the target's values before and after (nil when
// there were none: a create has no before, a delete no after). Before and After are encoded as JSON.
type Change struct {
	Action     string
	TargetType string
	TargetID   string
	Before     any
	After      any
}

// ID formats a numeric target id for Change.TargetID.
func ID(id int64) string { return strconv.FormatInt(id, 10) }

// mutate runs a mutation for a writer: it refuses a viewer (403) before touching anything, then runs fn in
// one transaction and writes the audit rows fn returns in that same transaction, so a change is committed
// with its record or not at all. fn returns no Change when it changed nothing (the log then stays as it is).
func (h *Handler) mutate(ctx context.Context, fn func(tx pgx.Tx) ([]Change, error)) error {
	if err := RequireWriter(ctx); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, h.db, func(tx pgx.Tx) error {
		changes, err := fn(tx)
		if err != nil {
			return err
		}
		for _, c := range changes {
			if err := h.record(ctx, tx, PrincipalFrom(ctx), c); err != nil {
				return err
			}
		}
		return nil
	})
}

// record writes one audit row for the admin p with db (the change's transaction).
func (h *Handler) record(ctx context.Context, db dbsqlc.DBTX, p Principal, c Change) error {
	before, err := auditJSON(c.Before)
	if err != nil {
		return fmt.Errorf("error encoding the audit record of %s: %w", c.Action, err)
	}
	after, err := auditJSON(c.After)
	if err != nil {
		return fmt.Errorf("error encoding the audit record of %s: %w", c.Action, err)
	}
	var adminID *int64
	if p.ID != 0 {
		adminID = &p.ID
	}
	if err := h.q.AdminAuditInsert(ctx, db, &dbsqlc.AdminAuditInsertParams{
		AdminUserID: adminID, AdminEmail: p.Email, Action: c.Action, TargetType: c.TargetType, TargetID: c.TargetID,
		Before: before, After: after, RequestID: middleware.GetReqID(ctx), IP: reqinfo.From(ctx).IP,
	}); err != nil {
		return fmt.Errorf("error writing the audit record of %s: %w", c.Action, err)
	}
	return nil
}

func auditJSON(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}
