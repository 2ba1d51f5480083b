package admin

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/app/seed"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

func lookupCounts(c *dbsqlc.AdminLookupCountsRow) adminoas.LookupCounts {
	return adminoas.LookupCounts{ResidenceTypes: c.ResidenceTypes, TaskCategories: c.TaskCategories,
		TaskPriorities: c.TaskPriorities, TaskFrequencies: c.TaskFrequencies,
		ContractorSpecialties: c.ContractorSpecialties, TaskTemplates: c.TaskTemplates}
}

// SeedLookups runs the idempotent reference-data seed of `homekeep seed` (seed.Apply), then refreshes every
// process's static data and boards, and answers how many rows of each kind it added.
//
// The seed, its counts and its audit row commit in one transaction (seed.ApplyTx), after the viewer check.
func (h *Handler) SeedLookups(ctx context.Context) (adminoas.SeedLookupsRes, error) {
	var out adminoas.SeedResult
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.q.AdminLookupCounts(ctx, tx)
		if err != nil {
			return nil, fmt.Errorf("error counting reference data: %w", err)
		}
		if err := seed.ApplyTx(ctx, tx); err != nil {
			return nil, fmt.Errorf("error seeding reference data: %w", err)
		}
		after, err := h.q.AdminLookupCounts(ctx, tx)
		if err != nil {
			return nil, fmt.Errorf("error counting reference data: %w", err)
		}
		b, a := lookupCounts(before), lookupCounts(after)
		out = adminoas.SeedResult{Total: a, Added: adminoas.LookupCounts{
			ResidenceTypes:        a.ResidenceTypes - b.ResidenceTypes,
			TaskCategories:        a.TaskCategories - b.TaskCategories,
			TaskPriorities:        a.TaskPriorities - b.TaskPriorities,
			TaskFrequencies:       a.TaskFrequencies - b.TaskFrequencies,
			ContractorSpecialties: a.ContractorSpecialties - b.ContractorSpecialties,
			TaskTemplates:         a.TaskTemplates - b.TaskTemplates,
		}}
		return []Change{{Action: "settings.seed_lookups", TargetType: "reference_data", TargetID: "seed",
			Before: b, After: a}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.refreshReference(ctx, true); err != nil {
		return nil, err
	}
	return &out, nil
}
