package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/store/apple"
)

// The outcomes of a notification applied without touching a purchase (StorePurchaseApply records the others).
const (
	outcomeIgnored      = "ignored"
	outcomeUnverifiable = "unverifiable"
)

// ApplyAppleEvent applies the recorded App Store notification eventID (the store_event job): it verifies the
// stored payload again, maps it with apple.Entitlement and applies the change to the purchase named by its
// originalTransactionId (or, for a purchase not stored yet, to the account named by its appAccountToken),
// only when it is newer than the stored state, marking the event applied. An event applied before, or gone,
// changes nothing. v nil (this process has no APPLE_BUNDLE_ID) is an error, so a process that has one takes
// the job on its retry.
func ApplyAppleEvent(ctx context.Context, db dbsqlc.DBTX, v *apple.Verifier, eventID string) error {
	if v == nil {
		return errors.New("error applying an App Store notification: this process has no APPLE_BUNDLE_ID")
	}
	q := dbsqlc.New()
	ev, err := q.StoreEventGet(ctx, db, &dbsqlc.StoreEventGetParams{Store: storeApple, EventID: eventID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("error loading an App Store notification: %w", err)
	}
	if ev.AppliedAt != nil {
		return nil
	}
	mark := func(outcome string) error {
		if err := q.StoreEventMark(ctx, db, &dbsqlc.StoreEventMarkParams{Store: storeApple, EventID: eventID,
			Outcome: &outcome}); err != nil {
			return fmt.Errorf("error marking an App Store notification %s: %w", outcome, err)
		}
		return nil
	}
	// It verified when it arrived; it fails now only when the configuration changed (another bundle id, Sandbox
	// switched off), which a retry does not undo.
	n, err := v.VerifyNotification(ev.Payload)
	if err != nil {
		return mark(outcomeUnverifiable)
	}
	c, ok := apple.Entitlement(n)
	if !ok {
		return mark(outcomeIgnored)
	}
	p := &dbsqlc.StorePurchaseApplyParams{Store: storeApple, PurchaseKey: c.OriginalTransactionID, EventID: eventID,
		ProductID: c.ProductID, Environment: string(c.Environment), StateAt: c.SignedDate, AutoRenew: c.AutoRenew,
		NewAutoRenew: true}
	if token, err := uuid.Parse(c.AppAccountToken); err == nil {
		p.AppAccountToken = ptr(token.String())
	}
	if n.Transaction != nil {
		p.TransactionID = n.Transaction.TransactionID
	}
	switch {
	case c.EntitledUntil != nil:
		p.SetUntil, p.EntitledUntil = true, c.EntitledUntil
	case c.Ended:
		p.SetUntil, p.EntitledUntil, p.AutoRenew = true, c.EndedAt, ptr(false)
		// A refund or revocation names the transaction it takes back: it ends the purchase only when that is
		// the period stored (the query keeps a later period's access).
		p.Refund = n.NotificationType == "REFUND" || n.NotificationType == "REVOKE"
	}
	if err := applyAndSync(ctx, db, p); err != nil {
		return fmt.Errorf("error applying an App Store notification: %w", err)
	}
	return nil
}

// applyAndSync applies a notification's state of a purchase and recomputes the owner's subscription in one
// transaction (StoreSyncSubscription), so the event is marked applied only together with the subscription it
// changed, and only the sync, after the account's lock, writes subscriptions.
func applyAndSync(ctx context.Context, db dbsqlc.DBTX, p *dbsqlc.StorePurchaseApplyParams) error {
	begin, ok := db.(interface {
		Begin(ctx context.Context) (pgx.Tx, error)
	})
	if !ok {
		return fmt.Errorf("applying a store notification needs a transaction, and %T cannot begin one", db)
	}
	q := dbsqlc.New()
	return pgx.BeginFunc(ctx, begin, func(tx pgx.Tx) error {
		r, err := q.StorePurchaseApply(ctx, tx, p)
		if err != nil {
			return err
		}
		if r.Applied && r.OwnerID != 0 {
			return q.StoreSyncSubscription(ctx, tx, r.OwnerID)
		}
		return nil
	})
}
