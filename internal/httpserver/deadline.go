package httpserver

import (
	"context"
	"net/http"
	"time"
)

// RequestDeadline bounds each request's context by d (REQUEST_TIMEOUT), or by the Deadline of the first rule
// the request matches (file transfers take longer than a JSON request may). Every PostgreSQL and Valkey call
// runs on that context, so a dependency that is too slow fails the call when the deadline passes: the request
// answers 503 unavailable (internal/apierror classifies the deadline) instead of waiting for the server's
// write timeout, and pgx gives the connection back to the pool (or closes it) rather than holding it for a
// client that has given up. Zero or less leaves requests unbounded.
func RequestDeadline(d time.Duration, rules ...BodyLimitRule) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d := d
			for _, rule := range rules {
				if rule.matches(r) {
					if rule.Deadline > 0 {
						d = rule.Deadline
					}
					break
				}
			}
			if d <= 0 {
				next.ServeHTTP(w, r)
				return
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}
