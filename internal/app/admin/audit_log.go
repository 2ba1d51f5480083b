package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-faster/jx"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// auditPageSizeDefault is the page size when the request names none (the spec's default of Limit).
const auditPageSizeDefault = 50

// AdminAuditList answers the audit log newest first, filtered and a page at a time; every role may read
// it. The cursor names the last entry of the previous page (ids grow with time), and total counts
// every entry matching the filters, over all pages.
func (h *Handler) AdminAuditList(ctx context.Context, p adminoas.AdminAuditListParams) (adminoas.AdminAuditListRes, error) {
	var beforeID int64
	last, err := parseIDCursor(p.Cursor)
	if err != nil {
		return nil, err
	}
	if last != nil {
		beforeID = *last
	}
	size := p.Limit.Or(auditPageSizeDefault)
	var since, until *time.Time
	if v, ok := p.Since.Get(); ok {
		since = &v
	}
	if v, ok := p.Until.Get(); ok {
		until = &v
	}
	admin, action, targetType, targetID := p.Admin.Or(""), p.Action.Or(""), p.TargetType.Or(""), p.TargetID.Or("")
	total, err := h.q.AdminAuditCount(ctx, h.db, &dbsqlc.AdminAuditCountParams{Admin: admin, Action: action,
		TargetType: targetType, TargetID: targetID, Since: since, Until: until})
	if err != nil {
		return nil, fmt.Errorf("error counting audit entries: %w", err)
	}
	// One more than the page tells whether another page follows.
	rows, err := h.q.AdminAuditList(ctx, h.db, &dbsqlc.AdminAuditListParams{Admin: admin, Action: action,
		TargetType: targetType, TargetID: targetID, Since: since, Until: until, BeforeID: beforeID,
		PageSize: int32(size + 1)}) //nolint:gosec // G115: the spec bounds limit to 1..200
	if err != nil {
		return nil, fmt.Errorf("error listing audit entries: %w", err)
	}
	page := &adminoas.AuditPage{Items: make([]adminoas.AuditEntry, 0, min(len(rows), size)), Total: total,
		NextCursor: adminoas.NilString{Null: true}}
	if len(rows) > size {
		rows = rows[:size]
		page.NextCursor = idCursor(rows[size-1].ID)
	}
	for _, r := range rows {
		page.Items = append(page.Items, auditEntryFromRow(r))
	}
	return page, nil
}

func auditEntryFromRow(r *dbsqlc.AdminAuditLog) adminoas.AuditEntry {
	e := adminoas.AuditEntry{ID: r.ID, AdminEmail: r.AdminEmail, Action: r.Action, TargetType: r.TargetType,
		TargetID: r.TargetID, RequestID: r.RequestID, IP: r.IP, CreatedAt: r.CreatedAt.UTC(),
		Before: adminoas.NilAuditEntryBefore{Null: true}, After: adminoas.NilAuditEntryAfter{Null: true}}
	if m, ok := auditObject(r.Before); ok {
		e.Before = adminoas.NewNilAuditEntryBefore(adminoas.AuditEntryBefore(m))
	}
	if m, ok := auditObject(r.After); ok {
		e.After = adminoas.NewNilAuditEntryAfter(adminoas.AuditEntryAfter(m))
	}
	return e
}

// auditObject returns a stored before or after as a JSON object; a value that is not an object (a change
// may record a list) is returned as {"value": ...}, so nothing recorded is hidden.
func auditObject(raw []byte) (map[string]jx.Raw, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return map[string]jx.Raw{"value": jx.Raw(raw)}, true
	}
	out := make(map[string]jx.Raw, len(m))
	for k, v := range m {
		out[k] = jx.Raw(v)
	}
	return out, true
}
