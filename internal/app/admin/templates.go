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

// templateLimitDefault is the page size when the request names none (the Limit parameter's default).
const templateLimitDefault = 50

// templateAudit is a template as the audit log records it.
type templateAudit struct {
	ID           int64    `json:"id"`
	Title        string   `json:"title"`
	Description  string   `json:"description"`
	CategoryID   *int64   `json:"category_id"`
	FrequencyID  *int64   `json:"frequency_id"`
	Icon         string   `json:"icon"`
	Tags         []string `json:"tags"`
	IsActive     bool     `json:"is_active"`
	DisplayOrder int32    `json:"display_order"`
}

func templateAuditOf(t *dbsqlc.TaskTemplate) templateAudit {
	return templateAudit{ID: t.ID, Title: t.Title, Description: t.Description, CategoryID: t.CategoryID,
		FrequencyID: t.FrequencyID, Icon: t.Icon, Tags: t.Tags, IsActive: t.IsActive, DisplayOrder: t.DisplayOrder}
}

func templateFromRow(t *dbsqlc.TaskTemplate) adminoas.AdminTaskTemplate {
	out := adminoas.AdminTaskTemplate{ID: t.ID, Title: t.Title, Description: t.Description, Icon: t.Icon,
		Tags: t.Tags, IsActive: t.IsActive, DisplayOrder: t.DisplayOrder}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	out.CategoryID = nilID(t.CategoryID)
	out.FrequencyID = nilID(t.FrequencyID)
	return out
}

func nilID(p *int64) adminoas.NilInt64 {
	var v adminoas.NilInt64
	if p == nil {
		v.SetToNull()
	} else {
		v.SetTo(*p)
	}
	return v
}

// optNilInt64 returns the pointer an OptNilInt64 stands for, and whether it was sent at all.
func optNilInt64(o adminoas.OptNilInt64) (*int64, bool) {
	if v, ok := o.Get(); ok {
		return &v, true
	}
	return nil, o.Set
}

func errTemplateNotFound() error { return apierror.NotFound("task template") }

func errDuplicateTitle(title string) error {
	e := apierror.Conflict("duplicate", fmt.Sprintf("a task template is already titled %q", title))
	e.Fields = map[string]string{"title": "already taken"}
	return e
}

// ListTemplates returns a page of every template, inactive ones included, by id, with the number matching.
func (h *Handler) ListTemplates(ctx context.Context, params adminoas.ListTemplatesParams) (adminoas.ListTemplatesRes, error) {
	var after int64
	last, err := parseIDCursor(params.Cursor)
	if err != nil {
		return nil, err
	}
	if last != nil {
		after = *last
	}
	limit := params.Limit.Or(templateLimitDefault)
	var category *int64
	if v, ok := params.CategoryID.Get(); ok {
		category = &v
	}
	q := params.Q // surrounding spaces in a template search are dropped (a title never starts with one)
	if v, ok := q.Get(); ok {
		q.SetTo(strings.TrimSpace(v))
	}
	pattern := likePattern(q)
	rows, err := h.q.AdminTemplateList(ctx, h.db, &dbsqlc.AdminTemplateListParams{AfterID: after, CategoryID: category,
		Q: pattern, MaxRows: int32(limit + 1)}) //nolint:gosec // G115: the spec bounds limit to 200
	if err != nil {
		return nil, fmt.Errorf("error listing task templates: %w", err)
	}
	total, err := h.q.AdminTemplateCount(ctx, h.db, &dbsqlc.AdminTemplateCountParams{CategoryID: category, Q: pattern})
	if err != nil {
		return nil, fmt.Errorf("error counting task templates: %w", err)
	}
	out := &adminoas.TaskTemplatePage{Items: make([]adminoas.AdminTaskTemplate, 0, min(len(rows), limit)), Total: total}
	out.NextCursor.SetToNull()
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextCursor = idCursor(rows[len(rows)-1].ID)
	}
	for _, r := range rows {
		out.Items = append(out.Items, templateFromRow(r))
	}
	return out, nil
}

// GetTemplate returns one template, active or not.
func (h *Handler) GetTemplate(ctx context.Context, params adminoas.GetTemplateParams) (adminoas.GetTemplateRes, error) {
	t, err := h.q.AdminTemplateGet(ctx, h.db, params.ID)
	if errors.Is(dberr.Interpret(err), dberr.ErrNotFound) {
		return nil, errTemplateNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("error reading a task template: %w", err)
	}
	out := templateFromRow(t)
	return &out, nil
}

// checkTemplateRefs refuses (400 naming the field) a category or frequency id that does not exist.
func (h *Handler) checkTemplateRefs(ctx context.Context, tx pgx.Tx, category, frequency *int64) error {
	for _, ref := range []struct {
		id    *int64
		kind  adminoas.LookupKind
		field string
	}{
		{category, adminoas.LookupKindTaskCategories, "category_id"},
		{frequency, adminoas.LookupKindTaskFrequencies, "frequency_id"},
	} {
		if ref.id == nil {
			continue
		}
		if _, err := h.lookupRowByID(ctx, tx, ref.kind, *ref.id); err != nil {
			var ae *apierror.Error
			if errors.As(err, &ae) {
				return apierror.Validation(map[string]string{ref.field: fmt.Sprintf("no %s has this id", lookupTarget(ref.kind))})
			}
			return err
		}
	}
	return nil
}

// cleanTags trims the tags and drops blank and repeated ones, keeping their order.
func cleanTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t != "" && !seen[strings.ToLower(t)] {
			seen[strings.ToLower(t)] = true
			out = append(out, t)
		}
	}
	return out
}

// CreateTemplate adds a template, after the last of its category unless display_order is given.
func (h *Handler) CreateTemplate(ctx context.Context, req *adminoas.TaskTemplateCreate) (adminoas.CreateTemplateRes, error) {
	title := strings.TrimSpace(req.Title)
	if title == "" {
		return nil, apierror.Validation(map[string]string{"title": "must not be blank"})
	}
	category, _ := optNilInt64(req.CategoryID)
	frequency, _ := optNilInt64(req.FrequencyID)
	var created *dbsqlc.TaskTemplate
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		if err := h.checkTemplateRefs(ctx, tx, category, frequency); err != nil {
			return nil, err
		}
		var err error
		created, err = h.q.AdminTemplateCreate(ctx, tx, &dbsqlc.AdminTemplateCreateParams{Title: title,
			Description: req.Description.Or(""), CategoryID: category, FrequencyID: frequency, Icon: req.Icon.Or(""),
			Tags: cleanTags(req.Tags), IsActive: req.IsActive.Or(true), DisplayOrder: optInt32(req.DisplayOrder)})
		if isUnique(err) {
			return nil, errDuplicateTitle(title)
		}
		if err != nil {
			return nil, fmt.Errorf("error creating a task template: %w", err)
		}
		return []Change{{Action: "template.create", TargetType: "task_template", TargetID: ID(created.ID),
			After: templateAuditOf(created)}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.refreshReference(ctx, false); err != nil {
		return nil, err
	}
	out := templateFromRow(created)
	return &out, nil
}

// UpdateTemplate changes the fields sent of a template.
func (h *Handler) UpdateTemplate(ctx context.Context, req *adminoas.TaskTemplateUpdate, params adminoas.UpdateTemplateParams) (adminoas.UpdateTemplateRes, error) {
	if v, ok := req.Title.Get(); ok && strings.TrimSpace(v) == "" {
		return nil, apierror.Validation(map[string]string{"title": "must not be blank"})
	}
	var after *dbsqlc.TaskTemplate
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.q.AdminTemplateGetForUpdate(ctx, tx, params.ID)
		if errors.Is(dberr.Interpret(err), dberr.ErrNotFound) {
			return nil, errTemplateNotFound()
		}
		if err != nil {
			return nil, fmt.Errorf("error reading a task template: %w", err)
		}
		p := &dbsqlc.AdminTemplateUpdateParams{ID: before.ID, Title: before.Title, Description: before.Description,
			CategoryID: before.CategoryID, FrequencyID: before.FrequencyID, Icon: before.Icon, Tags: before.Tags,
			DisplayOrder: before.DisplayOrder}
		if v, ok := req.Title.Get(); ok {
			p.Title = strings.TrimSpace(v)
		}
		p.Description = req.Description.Or(p.Description)
		p.Icon = req.Icon.Or(p.Icon)
		p.DisplayOrder = req.DisplayOrder.Or(p.DisplayOrder)
		if req.Tags != nil {
			p.Tags = cleanTags(req.Tags)
		}
		var checkCategory, checkFrequency *int64
		if v, sent := optNilInt64(req.CategoryID); sent {
			p.CategoryID, checkCategory = v, v
		}
		if v, sent := optNilInt64(req.FrequencyID); sent {
			p.FrequencyID, checkFrequency = v, v
		}
		if err := h.checkTemplateRefs(ctx, tx, checkCategory, checkFrequency); err != nil {
			return nil, err
		}
		after, err = h.q.AdminTemplateUpdate(ctx, tx, p)
		if isUnique(err) {
			return nil, errDuplicateTitle(p.Title)
		}
		if err != nil {
			return nil, fmt.Errorf("error updating a task template: %w", err)
		}
		return []Change{{Action: "template.update", TargetType: "task_template", TargetID: ID(after.ID),
			Before: templateAuditOf(before), After: templateAuditOf(after)}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.refreshReference(ctx, false); err != nil {
		return nil, err
	}
	out := templateFromRow(after)
	return &out, nil
}

// DeleteTemplate deletes a template; tasks made from it keep their own copy of its fields.
func (h *Handler) DeleteTemplate(ctx context.Context, params adminoas.DeleteTemplateParams) (adminoas.DeleteTemplateRes, error) {
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.q.AdminTemplateDelete(ctx, tx, params.ID)
		if errors.Is(dberr.Interpret(err), dberr.ErrNotFound) {
			return nil, errTemplateNotFound()
		}
		if err != nil {
			return nil, fmt.Errorf("error deleting a task template: %w", err)
		}
		return []Change{{Action: "template.delete", TargetType: "task_template", TargetID: ID(before.ID),
			Before: templateAuditOf(before)}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.refreshReference(ctx, false); err != nil {
		return nil, err
	}
	return &adminoas.DeleteTemplateNoContent{}, nil
}

// ActivateTemplate makes the apps offer a template.
func (h *Handler) ActivateTemplate(ctx context.Context, params adminoas.ActivateTemplateParams) (adminoas.ActivateTemplateRes, error) {
	t, err := h.setTemplateActive(ctx, params.ID, true)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DeactivateTemplate stops the apps offering a template; the admin API still lists it.
func (h *Handler) DeactivateTemplate(ctx context.Context, params adminoas.DeactivateTemplateParams) (adminoas.DeactivateTemplateRes, error) {
	t, err := h.setTemplateActive(ctx, params.ID, false)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// setTemplateActive sets is_active; a template already in that state is answered as it is, with no audit row.
func (h *Handler) setTemplateActive(ctx context.Context, id int64, active bool) (*adminoas.AdminTaskTemplate, error) {
	action := "template.deactivate"
	if active {
		action = "template.activate"
	}
	var after *dbsqlc.TaskTemplate
	changed := false
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.q.AdminTemplateGetForUpdate(ctx, tx, id)
		if errors.Is(dberr.Interpret(err), dberr.ErrNotFound) {
			return nil, errTemplateNotFound()
		}
		if err != nil {
			return nil, fmt.Errorf("error reading a task template: %w", err)
		}
		if before.IsActive == active {
			after = before
			return nil, nil
		}
		if after, err = h.q.AdminTemplateSetActive(ctx, tx, &dbsqlc.AdminTemplateSetActiveParams{ID: id, IsActive: active}); err != nil {
			return nil, fmt.Errorf("error changing whether a task template is active: %w", err)
		}
		changed = true
		return []Change{{Action: action, TargetType: "task_template", TargetID: ID(id),
			Before: templateAuditOf(before), After: templateAuditOf(after)}}, nil
	})
	if err != nil {
		return nil, err
	}
	if changed {
		if err := h.refreshReference(ctx, false); err != nil {
			return nil, err
		}
	}
	out := templateFromRow(after)
	return &out, nil
}

// ReorderTemplates sets the display order of one category's templates to their positions in ids.
func (h *Handler) ReorderTemplates(ctx context.Context, req *adminoas.TaskTemplateOrder) (adminoas.ReorderTemplatesRes, error) {
	var category *int64
	if v, ok := req.CategoryID.Get(); ok {
		category = &v
	}
	var after []*dbsqlc.TaskTemplate
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.q.AdminTemplateInCategory(ctx, tx, category)
		if err != nil {
			return nil, fmt.Errorf("error listing a category's task templates: %w", err)
		}
		current := make([]int64, 0, len(before))
		for _, t := range before {
			current = append(current, t.ID)
		}
		if err := sameIDs(req.Ids, current); err != nil {
			return nil, err
		}
		if err := h.q.AdminTemplateReorder(ctx, tx, req.Ids); err != nil {
			return nil, fmt.Errorf("error reordering task templates: %w", err)
		}
		if after, err = h.q.AdminTemplateInCategory(ctx, tx, category); err != nil {
			return nil, fmt.Errorf("error listing a category's task templates: %w", err)
		}
		target := "none"
		if category != nil {
			target = ID(*category)
		}
		return []Change{{Action: "template.reorder", TargetType: "task_category", TargetID: target,
			Before: map[string]any{"ids": current}, After: map[string]any{"ids": req.Ids}}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.refreshReference(ctx, false); err != nil {
		return nil, err
	}
	out := make(adminoas.ReorderTemplatesOKApplicationJSON, 0, len(after))
	for _, t := range after {
		out = append(out, templateFromRow(t))
	}
	return &out, nil
}
