package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// lookupRow is one lookup row with the fields its kind has (the others stay zero); hasInterval marks a
// frequency, whose nil IntervalDays means one-time.
type lookupRow struct {
	ID           int64
	Name         string
	DisplayOrder int32
	Icon, Color  string
	Level        *int32
	IntervalDays *int32
	hasInterval  bool
}

func lookupFromRow(kind adminoas.LookupKind, r *dbsqlc.AdminLookupListRow) lookupRow {
	l := lookupRow{ID: r.ID, Name: r.Name, DisplayOrder: r.DisplayOrder}
	switch kind {
	case adminoas.LookupKindTaskCategories:
		l.Icon, l.Color = r.Icon, r.Color
	case adminoas.LookupKindTaskPriorities:
		level := r.Level
		l.Level, l.Color = &level, r.Color
	case adminoas.LookupKindTaskFrequencies:
		l.IntervalDays, l.hasInterval = r.IntervalDays, true
	case adminoas.LookupKindResidenceTypes, adminoas.LookupKindContractorSpecialties:
	}
	return l
}

func (l lookupRow) api(kind adminoas.LookupKind) adminoas.Lookup {
	out := adminoas.Lookup{ID: l.ID, Name: l.Name, DisplayOrder: l.DisplayOrder}
	switch kind {
	case adminoas.LookupKindTaskCategories:
		out.Icon, out.Color = adminoas.NewOptString(l.Icon), adminoas.NewOptString(l.Color)
	case adminoas.LookupKindTaskPriorities:
		out.Color = adminoas.NewOptString(l.Color)
		if l.Level != nil {
			out.Level = adminoas.NewOptInt32(*l.Level)
		}
	case adminoas.LookupKindTaskFrequencies:
		if l.IntervalDays != nil {
			out.IntervalDays = adminoas.NewOptNilInt32(*l.IntervalDays)
		} else {
			out.IntervalDays.SetToNull()
		}
	case adminoas.LookupKindResidenceTypes, adminoas.LookupKindContractorSpecialties:
	}
	return out
}

// auditValue is what the audit log stores for l: frequencies record interval_days even when null.
func (l lookupRow) auditValue() map[string]any {
	v := map[string]any{"id": l.ID, "name": l.Name, "display_order": l.DisplayOrder}
	if l.Icon != "" || l.Color != "" {
		v["icon"], v["color"] = l.Icon, l.Color
	}
	if l.Level != nil {
		v["level"] = *l.Level
	}
	if l.hasInterval {
		v["interval_days"] = l.IntervalDays
	}
	return v
}

// lookupFields says which of the optional fields each kind has; sending another is a 400 naming it.
var lookupFields = map[adminoas.LookupKind]map[string]bool{
	adminoas.LookupKindResidenceTypes:        {},
	adminoas.LookupKindTaskCategories:        {"icon": true, "color": true},
	adminoas.LookupKindTaskPriorities:        {"level": true, "color": true},
	adminoas.LookupKindTaskFrequencies:       {"interval_days": true},
	adminoas.LookupKindContractorSpecialties: {},
}

// checkLookupFields refuses the fields sent that kind does not have.
func checkLookupFields(kind adminoas.LookupKind, sent map[string]bool) error {
	fields := map[string]string{}
	for name, ok := range sent {
		if ok && !lookupFields[kind][name] {
			fields[name] = fmt.Sprintf("%s have no %s", kind, name)
		}
	}
	if len(fields) > 0 {
		return apierror.Validation(fields)
	}
	return nil
}

// lookupTarget is the audit target type of kind: the singular table name.
func lookupTarget(kind adminoas.LookupKind) string {
	switch kind {
	case adminoas.LookupKindResidenceTypes:
		return "residence_type"
	case adminoas.LookupKindTaskCategories:
		return "task_category"
	case adminoas.LookupKindTaskPriorities:
		return "task_priority"
	case adminoas.LookupKindTaskFrequencies:
		return "task_frequency"
	case adminoas.LookupKindContractorSpecialties:
		return "contractor_specialty"
	}
	return string(kind)
}

// lookupRows reads the rows of kind, in their order.
func (h *Handler) lookupRows(ctx context.Context, db dbsqlc.DBTX, kind adminoas.LookupKind) ([]lookupRow, error) {
	rows, err := h.q.AdminLookupList(ctx, db, string(kind))
	if err != nil {
		return nil, fmt.Errorf("error listing %s: %w", kind, err)
	}
	out := make([]lookupRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, lookupFromRow(kind, r))
	}
	return out, nil
}

// lookupRowByID reads one row of kind; a missing one is a 404.
func (h *Handler) lookupRowByID(ctx context.Context, db dbsqlc.DBTX, kind adminoas.LookupKind, id int64) (lookupRow, error) {
	rows, err := h.lookupRows(ctx, db, kind)
	if err != nil {
		return lookupRow{}, err
	}
	for _, r := range rows {
		if r.ID == id {
			return r, nil
		}
	}
	return lookupRow{}, apierror.NotFound(lookupTarget(kind))
}

func errDuplicateName(kind adminoas.LookupKind, name string) error {
	e := apierror.Conflict("duplicate", fmt.Sprintf("%s already has a row named %q", kind, name))
	e.Fields = map[string]string{"name": "already taken"}
	return e
}

// ListLookups returns one kind's rows in display order; every role may read them.
func (h *Handler) ListLookups(ctx context.Context, params adminoas.ListLookupsParams) (adminoas.ListLookupsRes, error) {
	rows, err := h.lookupRows(ctx, h.db, params.Kind)
	if err != nil {
		return nil, err
	}
	return lookupList(params.Kind, rows), nil
}

func lookupList(kind adminoas.LookupKind, rows []lookupRow) *adminoas.LookupList {
	out := &adminoas.LookupList{Items: make([]adminoas.Lookup, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, r.api(kind))
	}
	return out
}

// CreateLookup adds a row to a kind, placed after the last one unless display_order is given.
func (h *Handler) CreateLookup(ctx context.Context, req *adminoas.LookupCreate, params adminoas.CreateLookupParams) (adminoas.CreateLookupRes, error) {
	kind := params.Kind
	if err := checkLookupFields(kind, map[string]bool{"icon": req.Icon.Set, "color": req.Color.Set,
		"level": req.Level.Set, "interval_days": req.IntervalDays.Set}); err != nil {
		return nil, err
	}
	if kind == adminoas.LookupKindTaskPriorities && !req.Level.Set {
		return nil, apierror.Validation(map[string]string{"level": "is required for task_priorities"})
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return nil, apierror.Validation(map[string]string{"name": "must not be blank"})
	}
	var created lookupRow
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		order, ok := req.DisplayOrder.Get()
		if !ok {
			next, err := h.q.AdminLookupNextOrder(ctx, tx, string(kind))
			if err != nil {
				return nil, fmt.Errorf("error finding the next display order of %s: %w", kind, err)
			}
			order = next
		}
		id, err := h.insertLookup(ctx, tx, kind, name, order, req)
		if err != nil {
			if isUnique(err) {
				return nil, errDuplicateName(kind, name)
			}
			return nil, fmt.Errorf("error creating a lookup of %s: %w", kind, err)
		}
		if created, err = h.lookupRowByID(ctx, tx, kind, id); err != nil {
			return nil, err
		}
		return []Change{{Action: "lookup.create", TargetType: lookupTarget(kind), TargetID: ID(id),
			After: created.auditValue()}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.refreshReference(ctx, true); err != nil {
		return nil, err
	}
	out := created.api(kind)
	return &out, nil
}

func (h *Handler) insertLookup(ctx context.Context, tx pgx.Tx, kind adminoas.LookupKind, name string, order int32,
	req *adminoas.LookupCreate) (int64, error) {
	switch kind {
	case adminoas.LookupKindResidenceTypes:
		return h.q.ResidenceTypeCreate(ctx, tx, &dbsqlc.ResidenceTypeCreateParams{Name: name, DisplayOrder: order})
	case adminoas.LookupKindTaskCategories:
		return h.q.TaskCategoryCreate(ctx, tx, &dbsqlc.TaskCategoryCreateParams{Name: name, DisplayOrder: order,
			Icon: req.Icon.Or(""), Color: req.Color.Or("#64748b")})
	case adminoas.LookupKindTaskPriorities:
		return h.q.TaskPriorityCreate(ctx, tx, &dbsqlc.TaskPriorityCreateParams{Name: name, DisplayOrder: order,
			Level: req.Level.Value, Color: req.Color.Or("#64748b")})
	case adminoas.LookupKindTaskFrequencies:
		var interval *int32
		if v, ok := req.IntervalDays.Get(); ok {
			interval = &v
		}
		return h.q.TaskFrequencyCreate(ctx, tx, &dbsqlc.TaskFrequencyCreateParams{Name: name, DisplayOrder: order,
			IntervalDays: interval})
	case adminoas.LookupKindContractorSpecialties:
		return h.q.ContractorSpecialtyCreate(ctx, tx, &dbsqlc.ContractorSpecialtyCreateParams{Name: name,
			DisplayOrder: order})
	}
	return 0, fmt.Errorf("unknown lookup kind %q", kind)
}

// UpdateLookup changes the fields sent of one row.
func (h *Handler) UpdateLookup(ctx context.Context, req *adminoas.LookupUpdate, params adminoas.UpdateLookupParams) (adminoas.UpdateLookupRes, error) {
	kind := params.Kind
	if err := checkLookupFields(kind, map[string]bool{"icon": req.Icon.Set, "color": req.Color.Set,
		"level": req.Level.Set, "interval_days": req.IntervalDays.Set}); err != nil {
		return nil, err
	}
	var name *string
	if v, ok := req.Name.Get(); ok {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, apierror.Validation(map[string]string{"name": "must not be blank"})
		}
		name = &v
	}
	var after lookupRow
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.lookupRowByID(ctx, tx, kind, params.ID)
		if err != nil {
			return nil, err
		}
		if err := h.updateLookup(ctx, tx, kind, params.ID, name, req); err != nil {
			if isUnique(err) {
				return nil, errDuplicateName(kind, *name)
			}
			return nil, fmt.Errorf("error updating a lookup of %s: %w", kind, err)
		}
		if after, err = h.lookupRowByID(ctx, tx, kind, params.ID); err != nil {
			return nil, err
		}
		return []Change{{Action: "lookup.update", TargetType: lookupTarget(kind), TargetID: ID(params.ID),
			Before: before.auditValue(), After: after.auditValue()}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.refreshReference(ctx, true); err != nil {
		return nil, err
	}
	out := after.api(kind)
	return &out, nil
}

func (h *Handler) updateLookup(ctx context.Context, tx pgx.Tx, kind adminoas.LookupKind, id int64, name *string,
	req *adminoas.LookupUpdate) error {
	order := optInt32(req.DisplayOrder)
	var err error
	switch kind {
	case adminoas.LookupKindResidenceTypes:
		_, err = h.q.ResidenceTypeUpdate(ctx, tx, &dbsqlc.ResidenceTypeUpdateParams{ID: id, Name: name, DisplayOrder: order})
	case adminoas.LookupKindTaskCategories:
		_, err = h.q.TaskCategoryUpdate(ctx, tx, &dbsqlc.TaskCategoryUpdateParams{ID: id, Name: name, DisplayOrder: order,
			Icon: optString(req.Icon), Color: optString(req.Color)})
	case adminoas.LookupKindTaskPriorities:
		_, err = h.q.TaskPriorityUpdate(ctx, tx, &dbsqlc.TaskPriorityUpdateParams{ID: id, Name: name, DisplayOrder: order,
			Level: optInt32(req.Level), Color: optString(req.Color)})
	case adminoas.LookupKindTaskFrequencies:
		var interval *int32
		if v, ok := req.IntervalDays.Get(); ok {
			interval = &v
		}
		_, err = h.q.TaskFrequencyUpdate(ctx, tx, &dbsqlc.TaskFrequencyUpdateParams{ID: id, Name: name,
			DisplayOrder: order, SetIntervalDays: req.IntervalDays.Set, IntervalDays: interval})
	case adminoas.LookupKindContractorSpecialties:
		_, err = h.q.ContractorSpecialtyUpdate(ctx, tx, &dbsqlc.ContractorSpecialtyUpdateParams{ID: id, Name: name,
			DisplayOrder: order})
	}
	return dberr.Interpret(err)
}

// DeleteLookup deletes a row nothing uses, or, with replace_with, moves every use to another row of the kind
// and deletes it in the same transaction. A row in use without replace_with is a 409 in_use saying how many
// rows use it.
func (h *Handler) DeleteLookup(ctx context.Context, params adminoas.DeleteLookupParams) (adminoas.DeleteLookupRes, error) {
	kind := params.Kind
	replaceWith, replacing := params.ReplaceWith.Get()
	if replacing && replaceWith == params.ID {
		return nil, apierror.Validation(map[string]string{"replace_with": "must be another row than the one deleted"})
	}
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		if err := h.q.AdminLookupLock(ctx, tx, &dbsqlc.AdminLookupLockParams{Kind: string(kind), ID: params.ID}); err != nil {
			return nil, fmt.Errorf("error locking a lookup of %s: %w", kind, err)
		}
		before, err := h.lookupRowByID(ctx, tx, kind, params.ID)
		if err != nil {
			return nil, err
		}
		usage, err := h.q.AdminLookupUsage(ctx, tx, &dbsqlc.AdminLookupUsageParams{Kind: string(kind), ID: params.ID})
		if err != nil {
			return nil, fmt.Errorf("error counting the uses of a lookup of %s: %w", kind, err)
		}
		audit := before.auditValue()
		inUse := usage.Tasks + usage.Templates + usage.Residences + usage.Contractors
		switch {
		case inUse > 0 && !replacing:
			e := apierror.Conflict("in_use", fmt.Sprintf("%s %q is used by %s; delete it with replace_with=<id> "+
				"to move them to another row first", lookupTarget(kind), before.Name, describeUsage(usage)))
			e.Fields = map[string]string{"replace_with": "required while the row is in use"}
			return nil, e
		case replacing:
			if _, err := h.lookupRowByID(ctx, tx, kind, replaceWith); err != nil {
				var ae *apierror.Error
				if errors.As(err, &ae) {
					return nil, apierror.Validation(map[string]string{"replace_with": fmt.Sprintf("no %s has this id", lookupTarget(kind))})
				}
				return nil, err
			}
			moved, err := h.q.AdminLookupReplace(ctx, tx, &dbsqlc.AdminLookupReplaceParams{Kind: string(kind),
				FromID: params.ID, ToID: replaceWith})
			if err != nil {
				return nil, fmt.Errorf("error moving the uses of a lookup of %s: %w", kind, err)
			}
			audit["replaced_with"], audit["moved"] = replaceWith, moved
		}
		if err := h.deleteLookup(ctx, tx, kind, params.ID); err != nil {
			return nil, fmt.Errorf("error deleting a lookup of %s: %w", kind, err)
		}
		return []Change{{Action: "lookup.delete", TargetType: lookupTarget(kind), TargetID: ID(params.ID),
			Before: audit}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.refreshReference(ctx, true); err != nil {
		return nil, err
	}
	return &adminoas.DeleteLookupNoContent{}, nil
}

// describeUsage says what uses a row, e.g. "12 tasks and 1 template".
func describeUsage(u *dbsqlc.AdminLookupUsageRow) string {
	var parts []string
	for _, c := range []struct {
		n         int64
		one, many string
	}{
		{u.Tasks, "task", "tasks"}, {u.Templates, "template", "templates"},
		{u.Residences, "residence", "residences"}, {u.Contractors, "contractor", "contractors"},
	} {
		switch {
		case c.n == 1:
			parts = append(parts, "1 "+c.one)
		case c.n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.many))
		}
	}
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func (h *Handler) deleteLookup(ctx context.Context, tx pgx.Tx, kind adminoas.LookupKind, id int64) error {
	var err error
	switch kind {
	case adminoas.LookupKindResidenceTypes:
		_, err = h.q.ResidenceTypeDelete(ctx, tx, id)
	case adminoas.LookupKindTaskCategories:
		_, err = h.q.TaskCategoryDelete(ctx, tx, id)
	case adminoas.LookupKindTaskPriorities:
		_, err = h.q.TaskPriorityDelete(ctx, tx, id)
	case adminoas.LookupKindTaskFrequencies:
		_, err = h.q.TaskFrequencyDelete(ctx, tx, id)
	case adminoas.LookupKindContractorSpecialties:
		_, err = h.q.ContractorSpecialtyDelete(ctx, tx, id)
	}
	return err
}

// ReorderLookups sets each row's display_order to its position in ids, which must be every id of the kind.
func (h *Handler) ReorderLookups(ctx context.Context, req *adminoas.LookupOrder, params adminoas.ReorderLookupsParams) (adminoas.ReorderLookupsRes, error) {
	kind := params.Kind
	var after []lookupRow
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.lookupRows(ctx, tx, kind)
		if err != nil {
			return nil, err
		}
		current := make([]int64, 0, len(before))
		for _, r := range before {
			current = append(current, r.ID)
		}
		if err := sameIDs(req.Ids, current); err != nil {
			return nil, err
		}
		if err := h.reorderLookups(ctx, tx, kind, req.Ids); err != nil {
			return nil, fmt.Errorf("error reordering %s: %w", kind, err)
		}
		if after, err = h.lookupRows(ctx, tx, kind); err != nil {
			return nil, err
		}
		return []Change{{Action: "lookup.reorder", TargetType: lookupTarget(kind), TargetID: string(kind),
			Before: map[string]any{"ids": current}, After: map[string]any{"ids": req.Ids}}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.refreshReference(ctx, true); err != nil {
		return nil, err
	}
	return lookupList(kind, after), nil
}

func (h *Handler) reorderLookups(ctx context.Context, tx pgx.Tx, kind adminoas.LookupKind, ids []int64) error {
	switch kind {
	case adminoas.LookupKindResidenceTypes:
		return h.q.ResidenceTypeReorder(ctx, tx, ids)
	case adminoas.LookupKindTaskCategories:
		return h.q.TaskCategoryReorder(ctx, tx, ids)
	case adminoas.LookupKindTaskPriorities:
		return h.q.TaskPriorityReorder(ctx, tx, ids)
	case adminoas.LookupKindTaskFrequencies:
		return h.q.TaskFrequencyReorder(ctx, tx, ids)
	case adminoas.LookupKindContractorSpecialties:
		return h.q.ContractorSpecialtyReorder(ctx, tx, ids)
	}
	return fmt.Errorf("unknown lookup kind %q", kind)
}

// sameIDs refuses (400 naming ids) a list that is not exactly want, each id once, in any order.
func sameIDs(got, want []int64) error {
	wanted := make(map[int64]bool, len(want))
	for _, id := range want {
		wanted[id] = true
	}
	seen := make(map[int64]bool, len(got))
	for _, id := range got {
		switch {
		case seen[id]:
			return apierror.Validation(map[string]string{"ids": fmt.Sprintf("lists %d twice", id)})
		case !wanted[id]:
			return apierror.Validation(map[string]string{"ids": fmt.Sprintf("%d is not one of the ids being ordered", id)})
		}
		seen[id] = true
	}
	if len(seen) != len(wanted) {
		return apierror.Validation(map[string]string{"ids": fmt.Sprintf("must list all %d ids, each once; it lists %d",
			len(wanted), len(seen))})
	}
	return nil
}

func isUnique(err error) bool {
	var ce *dberr.ConstraintError
	return errors.As(dberr.Interpret(err), &ce) && ce.Kind == dberr.Unique
}

func optInt32(o adminoas.OptInt32) *int32 {
	if v, ok := o.Get(); ok {
		return &v
	}
	return nil
}

func optString(o adminoas.OptString) *string {
	if v, ok := o.Get(); ok {
		return &v
	}
	return nil
}
