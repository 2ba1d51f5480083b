package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/store/google"
)

// outcomeUnknownPurchase marks a notification about a purchase token Google does not know (any more).
const outcomeUnknownPurchase = "unknown_purchase"

// ApplyGoogleEvent applies the recorded Play developer notification eventID (its Pub/Sub messageId; the
// store_event job). A notification only says that something changed, so the job asks Google for the
// purchase's state and applies it as of the notification's eventTimeMillis, only when that is newer than
// the stored state (StorePurchaseApply), to the purchase stored under the token's hash or, for a purchase
// not stored yet, to the account its obfuscatedExternalAccountId names. A voided purchase ends at the
// event's time without asking Google; a test notification is logged and marked ignored, as is one about a
// one-time product or a token Google does not know. A failure to reach Google is returned, so the job is
// retried. c nil (this process has no Google Play configuration) is an error, so a process that has one
// takes the job on its retry.
func ApplyGoogleEvent(ctx context.Context, db dbsqlc.DBTX, c *google.Client, log *slog.Logger, eventID string) error {
	if c == nil {
		return errors.New("error applying a Google Play notification: this process has no GOOGLE_PLAY_PACKAGE_NAME")
	}
	q := dbsqlc.New()
	ev, err := q.StoreEventGet(ctx, db, &dbsqlc.StoreEventGetParams{Store: storeGoogle, EventID: eventID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("error loading a Google Play notification: %w", err)
	}
	if ev.AppliedAt != nil {
		return nil
	}
	mark := func(outcome string) error {
		if err := q.StoreEventMark(ctx, db, &dbsqlc.StoreEventMarkParams{Store: storeGoogle, EventID: eventID,
			Outcome: &outcome}); err != nil {
			return fmt.Errorf("error marking a Google Play notification %s: %w", outcome, err)
		}
		return nil
	}
	push, err := google.ParsePush([]byte(ev.Payload))
	if err != nil {
		return mark(outcomeUnverifiable)
	}
	n := push.Notification
	at := n.EventTime
	if at.IsZero() {
		at = push.PublishTime
	}
	if at.IsZero() {
		at = time.Now()
	}
	var p *dbsqlc.StorePurchaseApplyParams
	switch {
	case n.Test != nil:
		log.InfoContext(ctx, "google play test notification received", "message_id", eventID, "package", n.PackageName)
		return mark(outcomeIgnored)
	case n.VoidedPurchase != nil && n.VoidedPurchase.ProductType != google.ProductTypeOneTime:
		p = &dbsqlc.StorePurchaseApplyParams{Store: storeGoogle, PurchaseKey: purchaseKey(n.VoidedPurchase.PurchaseToken),
			EntitledUntil: &at, SetUntil: true, AutoRenew: ptr(false), StateAt: at}
	case n.Subscription != nil:
		sub, err := c.FetchSubscription(ctx, n.Subscription.PurchaseToken)
		if errors.Is(err, google.ErrUnknownPurchase) {
			return mark(outcomeUnknownPurchase)
		}
		if err != nil {
			return fmt.Errorf("error applying a Google Play notification: %w", err)
		}
		if p, err = googlePurchaseParams(sub, n.Subscription.PurchaseToken, "", at); err != nil {
			return err
		}
		if token, err := uuid.Parse(sub.ObfuscatedAccountID); err == nil {
			p.AppAccountToken = ptr(token.String())
		}
	default:
		return mark(outcomeIgnored) // a one-time product, which Homekeep does not sell
	}
	p.EventID = eventID
	if err := applyAndSync(ctx, db, p); err != nil {
		return fmt.Errorf("error applying a Google Play notification: %w", err)
	}
	return nil
}

// AcknowledgeGooglePurchase acknowledges a Google Play purchase (the google_acknowledge job), unless Google
// says it is acknowledged already or does not know it, so a job repeated, or one of two queued for the same
// purchase, calls Acknowledge at most once in the usual case. Errors are returned for river to retry.
func AcknowledgeGooglePurchase(ctx context.Context, c *google.Client, productID, purchaseToken string) error {
	if c == nil {
		return errors.New("error acknowledging a Google Play purchase: this process has no GOOGLE_PLAY_PACKAGE_NAME")
	}
	p, err := c.FetchSubscription(ctx, purchaseToken)
	if errors.Is(err, google.ErrUnknownPurchase) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("error acknowledging a Google Play purchase: %w", err)
	}
	if p.Acknowledgement != google.AcknowledgementPending {
		return nil
	}
	if err := c.Acknowledge(ctx, productID, purchaseToken); err != nil && !errors.Is(err, google.ErrUnknownPurchase) {
		return fmt.Errorf("error acknowledging a Google Play purchase: %w", err)
	}
	return nil
}
