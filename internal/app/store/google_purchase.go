package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/subscriptions"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/jobs"
	"github.com/homekeep/homekeep/internal/store/google"
)

// ApplyGooglePurchase asks Google Play what the purchase token the app posts stands for, applies it when it
// was bought with the caller's app_account_id (obfuscatedExternalAccountId), and answers the caller's
// subscription. The statement that applies it and the one that reads the subscription back go out in one
// round trip, as for Apple; a purchase that replaces another (linkedPurchaseToken) ends the replaced one,
// and one Play still wants acknowledged gets its acknowledgement job, in the same statement.
func (h *Handler) ApplyGooglePurchase(ctx context.Context, req *oas.GooglePurchaseRequest) (oas.ApplyGooglePurchaseRes, error) {
	if h.google == nil {
		return nil, errGoogleNotConfigured()
	}
	p, err := h.google.FetchSubscription(ctx, req.PurchaseToken)
	if errors.Is(err, google.ErrUnknownPurchase) {
		return nil, invalidPurchaseToken("is not a purchase Google Play knows for this app")
	}
	if google.IsRetryable(err) {
		return nil, errGoogleUnavailable(err)
	}
	if err != nil {
		return nil, fmt.Errorf("error reading a Google Play purchase: %w", err)
	}
	if !slices.ContainsFunc(p.LineItems, func(li google.LineItem) bool { return li.ProductID == req.ProductID }) {
		return nil, apierror.Validation(map[string]string{"product_id": "is not the product of this purchase"})
	}
	token, err := uuid.Parse(p.ObfuscatedAccountID)
	if err != nil {
		return nil, invalidPurchaseToken(notBoughtHere)
	}
	caller := app.PrincipalFrom(ctx).User.ID
	params, err := googlePurchaseParams(p, req.PurchaseToken, req.ProductID, time.Now())
	if err != nil {
		return nil, err
	}
	params.AppAccountToken, params.CallerID = ptr(token.String()), &caller
	var (
		r   *dbsqlc.StorePurchaseApplyRow
		sub *dbsqlc.SubscriptionGetRow
	)
	err = app.ReadTogether(ctx, h.db,
		func(db dbsqlc.DBTX) (err error) {
			r, err = h.q.StorePurchaseApply(ctx, db, params)
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
		return nil, fmt.Errorf("error applying a Google Play purchase: %w", err)
	}
	switch {
	case r.TokenUserID == 0:
		return nil, invalidPurchaseToken(notBoughtHere)
	case r.TokenUserID != caller, r.OwnerID != caller:
		return nil, apierror.Conflict("purchase_taken", "this purchase belongs to another account")
	}
	return subscriptions.FromRow(sub)
}

// errGoogleUnavailable answers a request Google could not answer now (unreachable, 5xx, 429): 503, so the
// client tries again, with the cause logged.
func errGoogleUnavailable(cause error) *apierror.Error {
	return &apierror.Error{Status: http.StatusServiceUnavailable, Code: apierror.CodeUnavailable,
		Message: "Google Play cannot be reached now; try again shortly", Cause: cause}
}

// purchaseTokenField is the request field a refused purchase token is named by.
const purchaseTokenField = "purchase_token" //nolint:gosec // G101: a field's name, not a credential

// notBoughtHere is the answer to a purchase whose obfuscatedExternalAccountId names no account.
const notBoughtHere = "was not bought with this account's app_account_id (GET /subscription) as obfuscatedAccountId"

// invalidPurchaseToken is a 400 naming purchase_token with msg.
func invalidPurchaseToken(msg string) *apierror.Error {
	return apierror.Validation(map[string]string{purchaseTokenField: msg})
}

// googlePurchaseParams is the state Google's answer p about purchaseToken gives its purchase, as of stateAt:
// entitled until what google.Entitlement grants (nothing when it grants nothing), replacing the purchase of
// p.LinkedPurchaseToken, and with an acknowledgement job when Play still wants one for a purchase that
// grants. productID is the purchase's product (the first line item's when empty).
func googlePurchaseParams(p *google.SubscriptionV2, purchaseToken, productID string, stateAt time.Time) (*dbsqlc.StorePurchaseApplyParams, error) {
	if productID == "" && len(p.LineItems) > 0 {
		productID = p.LineItems[0].ProductID
	}
	until, autoRenew, active := google.Entitlement(p, time.Now())
	env := "Production"
	if p.TestPurchase {
		env = "Test"
	}
	params := &dbsqlc.StorePurchaseApplyParams{
		Store: storeGoogle, PurchaseKey: purchaseKey(purchaseToken), ProductID: productID, Environment: env,
		EntitledUntil: until, SetUntil: true, AutoRenew: &autoRenew, NewAutoRenew: autoRenew, StateAt: stateAt,
	}
	if !active {
		// What ended it is the latest expiry Google gives, or the state's time when it gives none.
		params.EntitledUntil = ptr(stateAt)
		for _, li := range p.LineItems {
			if !li.ExpiryTime.IsZero() && li.ExpiryTime.Before(*params.EntitledUntil) {
				params.EntitledUntil = ptr(li.ExpiryTime)
			}
		}
	}
	if p.LinkedPurchaseToken != "" {
		params.SupersededKey = ptr(purchaseKey(p.LinkedPurchaseToken))
	}
	if active && p.Acknowledgement == google.AcknowledgementPending {
		args, err := json.Marshal(jobs.GoogleAcknowledgeArgs{ProductID: productID, PurchaseToken: purchaseToken})
		if err != nil {
			return nil, fmt.Errorf("error encoding an acknowledgement job: %w", err)
		}
		ins := jobs.GoogleAcknowledgeInsert
		params.AckArgs, params.AckJobKind, params.AckJobQueue, params.AckJobMaxAttempts = ptr(string(args)), ins.Kind, ins.Queue, ins.MaxAttempts
	}
	return params, nil
}

// purchaseKey is the key a Google Play purchase is stored under: the SHA-256 of its purchase token, in hex.
// The token is a credential (whoever holds it can claim the purchase through POST /subscription/google), so
// store_purchases does not hold it in clear; a notification names the token, and its hash finds the row.
func purchaseKey(purchaseToken string) string {
	sum := sha256.Sum256([]byte(purchaseToken))
	return hex.EncodeToString(sum[:])
}
