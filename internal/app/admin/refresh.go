package admin

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/homekeep/homekeep/internal/apierror"
)

// refreshTimeout bounds the cache refresh that follows a committed change.
const refreshTimeout = 5 * time.Second

// refreshReference makes every process see a committed change of the reference data, as `homekeep seed`
// does: it drops the cached static data everywhere (so the next GET /api/static-data of any process reads
// PostgreSQL and answers a new ETag) and, when lookups changed (their names show on boards' cards), bumps
// the lookups version every board's ETag includes.
//
// It runs after the commit, with a context that outlives the request, so a client that hangs up does not
// leave the change unannounced. A failure cannot undo the change, and reporting success would let the
// operator believe every server shows it: it is answered as a 500 cache_refresh_failed that says the
// change is saved (the server logs every 5xx with its cause and request id).
func (h *Handler) refreshReference(ctx context.Context, lookups bool) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	var errs []error
	if h.staticData != nil {
		errs = append(errs, h.staticData.Invalidate(ctx))
	}
	if lookups {
		errs = append(errs, h.boards.BumpLookups(ctx))
	}
	err := errors.Join(errs...)
	if err == nil {
		return nil
	}
	return &apierror.Error{Status: http.StatusInternalServerError, Code: "cache_refresh_failed",
		Message: "the change is saved, but other servers may serve the previous lookups and templates until " +
			"their cached copy expires (at most a day); make any change again to retry", Cause: err}
}
