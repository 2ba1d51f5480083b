package notifications

import (
	"context"
	"net/http"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// GetWebPushKey answers with the VAPID public key web clients subscribe with, without SQL: the server loaded
// it at start.
func (h *Handler) GetWebPushKey(context.Context) (oas.GetWebPushKeyRes, error) {
	if h.vapid == "" {
		return nil, apierror.New(http.StatusNotFound, "webpush_disabled", "this server has Web Push off")
	}
	return &oas.WebPushKey{PublicKey: h.vapid}, nil
}
