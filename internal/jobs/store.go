package jobs

import (
	"context"
	"errors"

	"github.com/riverqueue/river"
)

// StoreEventArgs applies one recorded store notification. StoreEventRecord (db/queries/store.sql) builds
// these args in SQL (jsonb_build_object), so the JSON names are its.
type StoreEventArgs struct {
	// Store is "apple" (later "google").
	Store string `json:"store"`
	// EventID is the notification's id in its store (Apple's notificationUUID).
	EventID string `json:"event_id"`
}

// Kind implements river.JobArgs.
func (StoreEventArgs) Kind() string { return KindStoreEvent }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (StoreEventArgs) InsertOpts() river.InsertOpts { return kinds[KindStoreEvent].insertOpts() }

// storeEventWorker works KindStoreEvent.
type storeEventWorker struct {
	river.WorkerDefaults[StoreEventArgs]
	apply func(ctx context.Context, store, eventID string) error
}

// Work implements river.Worker. A process built without Work.ApplyStoreEvent fails the attempt, so a
// process that can apply takes the job on its retry.
func (w *storeEventWorker) Work(ctx context.Context, job *river.Job[StoreEventArgs]) error {
	if w.apply == nil {
		return errors.New("this process cannot apply store notifications")
	}
	return w.apply(ctx, job.Args.Store, job.Args.EventID)
}
