package admin

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/telemetry"
)

// PathPrefix is where the admin API is mounted, beside the app API at /api; ogen routes on the full path.
const PathPrefix = "/api/admin"

// NewServer returns the admin API's HTTP server, with h answering and authenticating. Every error leaves in
// the app API's ApiError shape through apierror, as in api.NewServer: a handler's Go error, a refused token,
// a request that does not decode, an unknown path, a wrong method.
func NewServer(h *Handler, logger *slog.Logger, extra ...adminoas.ServerOption) (*adminoas.Server, error) {
	opts := append([]adminoas.ServerOption{
		adminoas.WithPathPrefix(PathPrefix),
		// The access log names the request's trace (see telemetry.NoteSpan).
		adminoas.WithMiddleware(telemetry.NoteSpan),
		adminoas.WithErrorHandler(func(ctx context.Context, w http.ResponseWriter, _ *http.Request, err error) {
			e := apierror.From(err)
			if level, ok := e.LogLevel(); ok {
				logger.Log(ctx, level, "admin request failed", "request_id", middleware.GetReqID(ctx), "error", err)
			}
			apierror.Write(w, e)
		}),
		adminoas.WithNotFound(apierror.WriteNotFound),
		adminoas.WithMethodNotAllowed(apierror.WriteMethodNotAllowed),
	}, extra...)
	srv, err := adminoas.NewServer(h, h, opts...)
	if err != nil {
		return nil, fmt.Errorf("error creating the admin API server: %w", err)
	}
	return srv, nil
}
