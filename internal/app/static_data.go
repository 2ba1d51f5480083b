package app

import (
	"context"
	"fmt"

	"github.com/homekeep/homekeep/internal/gen/oas"
)

// GetStaticData returns every lookup table in one SQL round trip.
func (h *Handler) GetStaticData(ctx context.Context) (*oas.StaticData, error) {
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
			f := oas.TaskFrequency{ID: r.ID, Name: r.Name, DisplayOrder: r.DisplayOrder}
			if r.IntervalDays != nil {
				f.IntervalDays = oas.NewNilInt32(*r.IntervalDays)
			} else {
				f.IntervalDays.SetToNull()
			}
			out.TaskFrequencies = append(out.TaskFrequencies, f)
		case "contractor_specialty":
			out.ContractorSpecialties = append(out.ContractorSpecialties,
				oas.ContractorSpecialty{ID: r.ID, Name: r.Name, DisplayOrder: r.DisplayOrder})
		}
	}
	return out, nil
}
