package jobs

import (
	"context"
	"errors"

	"github.com/riverqueue/river"
)

// StoreEventArgs applies one recorded store notification. StoreEventRecord (db/queries/store.sql) builds
// these args in SQL (jsonb_build_object), so the JSON names are its.
type StoreEventArgs struct {
	// Store is "apple" or "google".
	Store string `json:"store"`
	// EventID is the notification's id in its store (Apple's notificationUUID, Pub/Sub's messageId).
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

// GoogleAcknowledgeArgs acknowledges one Google Play subscription purchase. StorePurchaseApply
// (db/queries/store.sql) builds these args in SQL, so the JSON names are its. The purchase token is a
// credential; it stays in river_job until river deletes the finished job.
type GoogleAcknowledgeArgs struct {
	// ProductID is the purchased subscription's product id.
	ProductID string `json:"product_id"`
	// PurchaseToken is the purchase's token.
	PurchaseToken string `json:"purchase_token"`
}

// Kind implements river.JobArgs.
func (GoogleAcknowledgeArgs) Kind() string { return KindGoogleAcknowledge }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (GoogleAcknowledgeArgs) InsertOpts() river.InsertOpts {
	return kinds[KindGoogleAcknowledge].insertOpts()
}

// googleAcknowledgeWorker works KindGoogleAcknowledge.
type googleAcknowledgeWorker struct {
	river.WorkerDefaults[GoogleAcknowledgeArgs]
	acknowledge func(ctx context.Context, productID, purchaseToken string) error
}

// Work implements river.Worker. A process built without Work.AcknowledgeGooglePurchase fails the attempt,
// so a process that can acknowledge takes the job on its retry.
func (w *googleAcknowledgeWorker) Work(ctx context.Context, job *river.Job[GoogleAcknowledgeArgs]) error {
	if w.acknowledge == nil {
		return errors.New("this process cannot acknowledge Google Play purchases")
	}
	return w.acknowledge(ctx, job.Args.ProductID, job.Args.PurchaseToken)
}
