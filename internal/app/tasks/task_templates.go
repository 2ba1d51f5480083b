package tasks

import (
	"context"
	"fmt"
	"strings"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// ListTaskTemplates returns active templates grouped by category, optionally filtered by ?q= over title and
// tags.
func (h *Handler) ListTaskTemplates(ctx context.Context, params oas.ListTaskTemplatesParams) (oas.ListTaskTemplatesRes, error) {
	var q *string
	if v, ok := params.Q.Get(); ok && strings.TrimSpace(v) != "" {
		v = strings.TrimSpace(v)
		// The search is a substring match; % and _ from the user are literal characters.
		v = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(v)
		q = &v
	}
	rows, err := h.q.TaskTemplateList(ctx, h.db, q)
	if err != nil {
		return nil, fmt.Errorf("error listing task templates: %w", err)
	}
	out := oas.ListTaskTemplatesOKApplicationJSON{}
	for _, r := range rows {
		name := "Other"
		if r.CategoryName != nil {
			name = *r.CategoryName
		}
		if len(out) == 0 || out[len(out)-1].CategoryName != name {
			out = append(out, oas.TaskTemplateGroup{CategoryID: app.NilInt64(r.CategoryID), CategoryName: name,
				Templates: []oas.TaskTemplate{}})
		}
		g := &out[len(out)-1]
		g.Templates = append(g.Templates, oas.TaskTemplate{
			ID: r.ID, Title: r.Title, Description: r.Description, CategoryID: app.NilInt64(r.CategoryID),
			FrequencyID: app.NilInt64(r.FrequencyID), FrequencyName: app.NilString(r.FrequencyName),
			IntervalDays: app.NilInt32(r.IntervalDays), Icon: r.Icon, Tags: r.Tags,
		})
	}
	return &out, nil
}
