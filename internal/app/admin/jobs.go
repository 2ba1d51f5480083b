package admin

import (
	"context"

	"github.com/homekeep/homekeep/internal/app/operator"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// jobErrorsDefault is how many recent job errors GET /jobs lists when the caller does not say.
const jobErrorsDefault = 20

// AdminJobs reads the job queue as `homekeep jobs` does: counts by kind and state, and the last errors. Every
// role may call it; it changes nothing.
func (h *Handler) AdminJobs(ctx context.Context, params adminoas.AdminJobsParams) (adminoas.AdminJobsRes, error) {
	r, err := operator.Jobs(ctx, h.db.Reads(), params.Errors.Or(jobErrorsDefault))
	if err != nil {
		return nil, err
	}
	out := &adminoas.JobReport{Counts: make([]adminoas.JobCount, 0, len(r.Counts)),
		Errors: make([]adminoas.JobError, 0, len(r.Errors))}
	for _, c := range r.Counts {
		out.Counts = append(out.Counts, adminoas.JobCount{Kind: c.Kind, State: c.State, Jobs: c.Jobs, Oldest: c.Oldest})
	}
	for _, e := range r.Errors {
		out.Errors = append(out.Errors, adminoas.JobError{ID: e.ID, Kind: e.Kind, State: e.State, Attempt: e.Attempt,
			MaxAttempts: e.MaxAttempts, FailedAt: e.FailedAt, Error: e.Error})
	}
	return out, nil
}
