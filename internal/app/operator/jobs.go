package operator

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// JobCount is how many jobs of one kind are in one state, and when the oldest of them was queued.
type JobCount struct {
	Kind, State string
	Jobs        int64
	Oldest      time.Time
}

// JobError is the last error of a job that failed.
type JobError struct {
	ID                   int64
	Kind, State          string
	Attempt, MaxAttempts int
	FailedAt             time.Time
	// Error is the error the worker returned, as river recorded it.
	Error string
}

// JobReport is what `homekeep jobs` prints: the queue at a glance, read-only.
type JobReport struct {
	// Counts lists every kind and state that has jobs, by kind then state.
	Counts []JobCount
	// Errors are the most recent failures, newest first.
	Errors []JobError
}

// Jobs reads the job queue: counts by kind and state, and the last errors (at most maxErrors). It changes
// nothing.
func Jobs(ctx context.Context, db dbsqlc.DBTX, maxErrors int) (JobReport, error) {
	q := dbsqlc.New()
	var r JobReport
	counts, err := q.RiverJobCountByKindAndState(ctx, db)
	if err != nil {
		return r, fmt.Errorf("error counting jobs: %w", err)
	}
	for _, c := range counts {
		r.Counts = append(r.Counts, JobCount{Kind: c.Kind, State: c.State, Jobs: c.Jobs, Oldest: c.Oldest.UTC()})
	}
	errs, err := q.RiverJobLastErrors(ctx, db, int32(min(max(maxErrors, 0), math.MaxInt32)))
	if err != nil {
		return r, fmt.Errorf("error reading job errors: %w", err)
	}
	for _, e := range errs {
		r.Errors = append(r.Errors, JobError{ID: e.ID, Kind: e.Kind, State: e.State, Attempt: int(e.Attempt),
			MaxAttempts: int(e.MaxAttempts), FailedAt: e.FailedAt.UTC(), Error: e.Error})
	}
	return r, nil
}
