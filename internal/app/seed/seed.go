// Package seed holds the reference data every installation needs (residence types, task categories,
// priorities, frequencies, contractor specialties and task templates) and upserts it. It is operator work,
// run by `homekeep seed`, `homekeep serve --seed` and the first migration of a new database, never by a
// request.
package seed

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// Apply upserts the reference data every installation needs, by name, in one transaction. Running it again
// changes nothing; rows an operator added are left alone.
func Apply(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return ApplyTx(ctx, tx) })
}

// ApplyTx is Apply inside the caller's transaction, so an admin's seed commits together with its audit row.
func ApplyTx(ctx context.Context, tx pgx.Tx) error {
	q := dbsqlc.New()
	var errs []error
	collect := func(table string) func(int, error) {
		return func(i int, err error) {
			if err != nil {
				errs = append(errs, fmt.Errorf("error seeding %s row %d: %w", table, i, err))
			}
		}
	}
	q.ResidenceTypeUpsert(ctx, tx, residenceTypes).Exec(collect("residence_types"))
	q.TaskCategoryUpsert(ctx, tx, taskCategories).Exec(collect("task_categories"))
	q.TaskPriorityUpsert(ctx, tx, taskPriorities).Exec(collect("task_priorities"))
	q.TaskFrequencyUpsert(ctx, tx, taskFrequencies).Exec(collect("task_frequencies"))
	q.ContractorSpecialtyUpsert(ctx, tx, contractorSpecialties).Exec(collect("contractor_specialties"))
	// Templates refer to categories and frequencies by name, so they go after them.
	q.TaskTemplateUpsert(ctx, tx, taskTemplates).Exec(collect("task_templates"))
	return errors.Join(errs...)
}

// IfEmpty seeds a database that has no reference data at all (a new one) and reports whether it did,
// so that a plain `homekeep serve` on a new database serves usable lookup lists. A database with any
// reference data is left as it is (it costs one cheap query): what it holds is the operator's, and
// `homekeep seed` brings it up to date.
func IfEmpty(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	empty, err := dbsqlc.New().LookupsEmpty(ctx, pool)
	if err != nil {
		return false, fmt.Errorf("error checking for reference data: %w", err)
	}
	if !empty {
		return false, nil
	}
	if err := Apply(ctx, pool); err != nil {
		return false, fmt.Errorf("error seeding reference data: %w", err)
	}
	return true, nil
}

func days(n int32) *int32 { return &n }

var residenceTypes = []*dbsqlc.ResidenceTypeUpsertParams{
	{Name: "House", DisplayOrder: 1},
	{Name: "Apartment", DisplayOrder: 2},
	{Name: "Condo", DisplayOrder: 3},
	{Name: "Townhouse", DisplayOrder: 4},
	{Name: "Mobile Home", DisplayOrder: 5},
	{Name: "Cabin", DisplayOrder: 6},
	{Name: "Vacation Home", DisplayOrder: 7},
	{Name: "Rental Property", DisplayOrder: 8},
	{Name: "Other", DisplayOrder: 99},
}

var taskCategories = []*dbsqlc.TaskCategoryUpsertParams{
	{Name: "HVAC", Icon: "fan", Color: "#3b82f6", DisplayOrder: 1},
	{Name: "Plumbing", Icon: "droplet", Color: "#06b6d4", DisplayOrder: 2},
	{Name: "Electrical", Icon: "zap", Color: "#eab308", DisplayOrder: 3},
	{Name: "Appliances", Icon: "refrigerator", Color: "#8b5cf6", DisplayOrder: 4},
	{Name: "Exterior", Icon: "house", Color: "#78716c", DisplayOrder: 5},
	{Name: "Roof & Gutters", Icon: "cloud-rain", Color: "#64748b", DisplayOrder: 6},
	{Name: "Landscaping", Icon: "trees", Color: "#22c55e", DisplayOrder: 7},
	{Name: "Safety", Icon: "shield-check", Color: "#ef4444", DisplayOrder: 8},
	{Name: "Cleaning", Icon: "sparkles", Color: "#ec4899", DisplayOrder: 9},
	{Name: "Pest Control", Icon: "bug", Color: "#a16207", DisplayOrder: 10},
	{Name: "Interior", Icon: "sofa", Color: "#f97316", DisplayOrder: 11},
	{Name: "Pool & Spa", Icon: "waves", Color: "#0ea5e9", DisplayOrder: 12},
	{Name: "Other", Icon: "wrench", Color: "#64748b", DisplayOrder: 99},
}

var taskPriorities = []*dbsqlc.TaskPriorityUpsertParams{
	{Name: "Low", Level: 1, Color: "#22c55e", DisplayOrder: 1},
	{Name: "Medium", Level: 2, Color: "#eab308", DisplayOrder: 2},
	{Name: "High", Level: 3, Color: "#f97316", DisplayOrder: 3},
	{Name: "Urgent", Level: 4, Color: "#ef4444", DisplayOrder: 4},
}

var taskFrequencies = []*dbsqlc.TaskFrequencyUpsertParams{
	{Name: "Once", IntervalDays: nil, DisplayOrder: 1},
	{Name: "Daily", IntervalDays: days(1), DisplayOrder: 2},
	{Name: "Weekly", IntervalDays: days(7), DisplayOrder: 3},
	{Name: "Every 2 Weeks", IntervalDays: days(14), DisplayOrder: 4},
	{Name: "Monthly", IntervalDays: days(30), DisplayOrder: 5},
	{Name: "Every 2 Months", IntervalDays: days(60), DisplayOrder: 6},
	{Name: "Quarterly", IntervalDays: days(90), DisplayOrder: 7},
	{Name: "Every 6 Months", IntervalDays: days(182), DisplayOrder: 8},
	{Name: "Yearly", IntervalDays: days(365), DisplayOrder: 9},
	{Name: "Every 2 Years", IntervalDays: days(730), DisplayOrder: 10},
}

var contractorSpecialties = []*dbsqlc.ContractorSpecialtyUpsertParams{
	{Name: "General Contractor", DisplayOrder: 1},
	{Name: "Plumber", DisplayOrder: 2},
	{Name: "Electrician", DisplayOrder: 3},
	{Name: "HVAC Technician", DisplayOrder: 4},
	{Name: "Roofer", DisplayOrder: 5},
	{Name: "Landscaper", DisplayOrder: 6},
	{Name: "Handyman", DisplayOrder: 7},
	{Name: "Painter", DisplayOrder: 8},
	{Name: "Carpenter", DisplayOrder: 9},
	{Name: "Appliance Repair", DisplayOrder: 10},
	{Name: "Pest Control", DisplayOrder: 11},
	{Name: "Cleaning Service", DisplayOrder: 12},
	{Name: "Pool Service", DisplayOrder: 13},
	{Name: "Locksmith", DisplayOrder: 14},
	{Name: "Chimney Sweep", DisplayOrder: 15},
	{Name: "Septic Service", DisplayOrder: 16},
	{Name: "Other", DisplayOrder: 99},
}
