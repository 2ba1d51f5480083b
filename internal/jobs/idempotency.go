package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// IdempotencyPurgeInterval is how often idempotency keys past their 24 hours are deleted. They are no longer
// answered from the moment they expire, so the period only bounds how long the rows take up room.
const IdempotencyPurgeInterval = time.Hour

// IdempotencyPurgeArgs deletes expired idempotency keys once.
type IdempotencyPurgeArgs struct{}

// Kind implements river.JobArgs.
func (IdempotencyPurgeArgs) Kind() string { return KindIdempotencyPurge }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (IdempotencyPurgeArgs) InsertOpts() river.InsertOpts {
	return kinds[KindIdempotencyPurge].insertOpts()
}

// idempotencyPurgeWorker works KindIdempotencyPurge.
type idempotencyPurgeWorker struct {
	river.WorkerDefaults[IdempotencyPurgeArgs]
	purge func(ctx context.Context, now time.Time) (int64, error)
	now   func() time.Time
}

// Work implements river.Worker. A process without a purge completes the job without work.
func (w *idempotencyPurgeWorker) Work(ctx context.Context, _ *river.Job[IdempotencyPurgeArgs]) error {
	if w.purge == nil {
		return nil
	}
	_, err := w.purge(ctx, w.now())
	return err
}

// idempotencyPurgeJobs is the hourly purge, when the process has one: run when a process becomes leader, and
// at most once per clock hour.
func idempotencyPurgeJobs(purge bool) []*river.PeriodicJob {
	if !purge {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(IdempotencyPurgeInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			opts := IdempotencyPurgeArgs{}.InsertOpts()
			opts.UniqueOpts = river.UniqueOpts{ByPeriod: IdempotencyPurgeInterval}
			return IdempotencyPurgeArgs{}, &opts
		}, &river.PeriodicJobOpts{ID: KindIdempotencyPurge, RunOnStart: true})}
}
