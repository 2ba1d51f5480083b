package reference

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// staticMemo keeps the decoded form of the last document seen, so a warm request neither queries nor
// decodes: it compares the cached bytes and reuses the value.
type staticMemo struct {
	raw  string
	etag string
	data oas.StaticData
}

// GetStaticData returns every lookup table. Warm, it is served from the reference cache (valkey-go's
// client-side cache, so no round trip at all); cold, it is one SQL statement. It answers If-None-Match
// with 304.
func (h *Handler) GetStaticData(ctx context.Context, params oas.GetStaticDataParams) (oas.GetStaticDataRes, error) {
	raw, ok, fill := h.refs.Lookup(ctx)
	if !ok {
		data, err := h.loadStaticData(ctx)
		if err != nil {
			return nil, err
		}
		doc, err := data.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("error encoding static data: %w", err)
		}
		raw = string(doc)
		h.refs.Store(fill, raw)
	}
	m := h.staticMemo.Load()
	if m == nil || m.raw != raw {
		m = &staticMemo{raw: raw}
		if err := m.data.UnmarshalJSON([]byte(raw)); err != nil {
			return nil, fmt.Errorf("error decoding cached static data: %w", err)
		}
		sum := sha256.Sum256([]byte(raw))
		m.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
		h.staticMemo.Store(m)
	}
	if app.ETagMatches(params.IfNoneMatch.Or(""), m.etag) {
		return &oas.GetStaticDataNotModified{ETag: m.etag}, nil
	}
	return &oas.StaticDataHeaders{ETag: m.etag, Response: m.data}, nil
}

// InvalidateStaticData drops the cached lookups everywhere; seeding and admin changes call it.
func (h *Handler) InvalidateStaticData(ctx context.Context) error { return h.refs.Invalidate(ctx) }

// loadStaticData reads every lookup table in one SQL round trip.
func (h *Handler) loadStaticData(ctx context.Context) (*oas.StaticData, error) {
	rows, err := h.q.StaticDataList(ctx, h.db)
	if err != nil {
		return nil, fmt.Errorf("error listing static data: %w", err)
	}
	out := &oas.StaticData{
		ResidenceTypes:        []oas.ResidenceType{},
		TaskCategories:        []oas.TaskCategory{},
		TaskPriorities:        []oas.TaskPriority{},
		TaskFrequencies:       []oas.TaskFrequency{},
		ContractorSpecialties: []oas.ContractorSpecialty{},
	}
	for _, r := range rows {
		switch r.Kind {
		case "residence_type":
			out.ResidenceTypes = append(out.ResidenceTypes,
				oas.ResidenceType{ID: r.ID, Name: r.Name, DisplayOrder: r.DisplayOrder})
		case "task_category":
			out.TaskCategories = append(out.TaskCategories, oas.TaskCategory{
				ID: r.ID, Name: r.Name, Icon: r.Icon, Color: r.Color, DisplayOrder: r.DisplayOrder})
		case "task_priority":
			out.TaskPriorities = append(out.TaskPriorities, oas.TaskPriority{
				ID: r.ID, Name: r.Name, Level: r.Level, Color: r.Color, DisplayOrder: r.DisplayOrder})
		case "task_frequency":
			out.TaskFrequencies = append(out.TaskFrequencies,
				oas.TaskFrequency{ID: r.ID, Name: r.Name, IntervalDays: app.NilInt32(r.IntervalDays), DisplayOrder: r.DisplayOrder})
		case "contractor_specialty":
			out.ContractorSpecialties = append(out.ContractorSpecialties,
				oas.ContractorSpecialty{ID: r.ID, Name: r.Name, DisplayOrder: r.DisplayOrder})
		}
	}
	return out, nil
}
