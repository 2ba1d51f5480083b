package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/subscriptions"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/store/apple"
)

// autoRenewable is Apple's product type of a subscription that renews until cancelled.
const autoRenewable = "Auto-Renewable Subscription"

// ApplyApplePurchase verifies the signed transaction the app posts, applies it when it names the caller's
// app_account_id, and answers the caller's subscription. Verification is CPU only; the statement that applies
// the purchase and the one that reads the subscription back go out together, in one round trip (one
// pipelined batch, one implicit transaction, so the read sees the write). ReadTogether repeats them on a live
// connection when the connection was lost, which is safe here: the purchase moves only forward, so applying
// it again changes nothing more.
func (h *Handler) ApplyApplePurchase(ctx context.Context, req *oas.ApplePurchaseRequest) (oas.ApplyApplePurchaseRes, error) {
	if h.apple == nil {
		return nil, errNotConfigured()
	}
	tx, err := h.apple.VerifyTransaction(req.SignedTransaction)
	if err != nil {
		return nil, apierror.Validation(map[string]string{
			"signed_transaction": "is not a transaction the App Store signed for this app"})
	}
	token, err := uuid.Parse(tx.AppAccountToken)
	if err != nil || tx.OriginalTransactionID == "" {
		return nil, notThisAccount()
	}
	caller := app.PrincipalFrom(ctx).User.ID
	p := purchaseParams(tx)
	p.AppAccountToken, p.CallerID = ptr(token.String()), &caller
	var (
		r   *dbsqlc.StorePurchaseApplyRow
		sub *dbsqlc.SubscriptionGetRow
	)
	err = app.ReadTogether(ctx, h.db,
		func(db dbsqlc.DBTX) (err error) {
			r, err = h.q.StorePurchaseApply(ctx, db, p)
			return err
		},
		func(db dbsqlc.DBTX) error { // the same transaction: see StoreSyncSubscription
			return h.q.StoreSyncSubscription(ctx, db, caller)
		},
		func(db dbsqlc.DBTX) (err error) {
			sub, err = h.q.SubscriptionGet(ctx, db, caller)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("error applying an App Store purchase: %w", err)
	}
	switch {
	case r.TokenUserID == 0:
		return nil, notThisAccount()
	case r.TokenUserID != caller, r.OwnerID != caller:
		return nil, apierror.Conflict("purchase_taken", "this purchase belongs to another account")
	}
	return subscriptions.FromRow(sub)
}

// notThisAccount is the answer to a transaction whose appAccountToken names no account: the app bought
// without passing the account's app_account_id, or the transaction is someone else's from another server.
func notThisAccount() *apierror.Error {
	return apierror.Validation(map[string]string{
		"signed_transaction": "its appAccountToken is not this account's app_account_id (GET /subscription)"})
}

// purchaseParams is the state a verified transaction gives its purchase: entitled until its expiresDate,
// or its revocation when Apple refunded or revoked it; auto-renewing when new, if it is a subscription that
// renews (notifications say when that changes).
func purchaseParams(tx *apple.Transaction) *dbsqlc.StorePurchaseApplyParams {
	until := tx.ExpiresDate
	if tx.RevocationDate != nil {
		until = tx.RevocationDate
	}
	return &dbsqlc.StorePurchaseApplyParams{
		Store: storeApple, PurchaseKey: tx.OriginalTransactionID, ProductID: tx.ProductID,
		Environment: string(tx.Environment), EntitledUntil: until, SetUntil: true,
		NewAutoRenew: tx.Type == autoRenewable && tx.RevocationDate == nil, StateAt: tx.SignedDate,
		TransactionID: tx.TransactionID, Refund: tx.RevocationDate != nil,
	}
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
