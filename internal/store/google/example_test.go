package google_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/homekeep/homekeep/internal/store/google"
)

// A push endpoint for Play's notifications: authenticate the push, decode it, ignore other apps, and
// re-read the purchase from Google, since a notification says that something changed but not what holds
// now. Pub/Sub pushes again after any answer other than 2xx, which is what a retryable failure or a
// refused service account (fixed by the operator later) wants; a purchase Google does not know is answered
// 2xx, since asking again would not change the answer.
func Example_pushHandler() {
	var (
		verifier *google.PushVerifier // google.NewPushVerifier(google.VerifierOptions{...})
		client   *google.Client       // google.New(google.Options{...})
	)
	handler := func(w http.ResponseWriter, r *http.Request) {
		if err := verifier.VerifyRequest(r); err != nil {
			if errors.Is(err, google.ErrPushRefused) {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		push, err := google.ParsePush(body)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		n := push.Notification
		if n.PackageName != client.PackageName() || n.Subscription == nil {
			w.WriteHeader(http.StatusNoContent) // not ours to act on; acknowledged so it is not pushed again
			return
		}
		p, err := client.FetchSubscription(r.Context(), n.Subscription.PurchaseToken)
		switch {
		case errors.Is(err, google.ErrUnknownPurchase):
			w.WriteHeader(http.StatusNoContent)
			return
		case err != nil && google.IsRetryable(err):
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		case err != nil:
			http.Error(w, "server error", http.StatusInternalServerError)
			return
		}
		until, autoRenew, active := google.Entitlement(p, time.Now())
		_, _, _ = until, autoRenew, active // store the household's entitlement, keyed by p.ObfuscatedAccountID
		if active && p.Acknowledgement == google.AcknowledgementPending && len(p.LineItems) > 0 {
			_ = client.Acknowledge(context.WithoutCancel(r.Context()), p.LineItems[0].ProductID, n.Subscription.PurchaseToken)
		}
		w.WriteHeader(http.StatusNoContent)
	}
	_ = handler
}
