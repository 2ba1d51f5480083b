// Package apierror is the one error shape every Homekeep response uses, whoever produced the error: a handler,
// ogen's request decoder, the router's 404/405 or the panic recovery. Clients see a stable code, a message safe
// to show, and the fields at fault; the cause stays in the server log.
package apierror

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/reqinfo"
)

// Stable error codes. Clients branch on these, so they never change meaning.
const (
	CodeValidationFailed     = "validation_failed"
	CodeMalformedRequest     = "malformed_request"
	CodeUnauthorized         = "unauthorized"
	CodeForbidden            = "forbidden"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeConflict             = "conflict"
	CodeRequestTooLarge      = "request_too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeRateLimited          = "rate_limited"
	CodeLimitReached         = "limit_reached"
	CodeInternal             = "internal_error"
	CodeUnavailable          = "unavailable"
)

// Error is an error with everything a response needs. Cause, when set, is logged and never sent.
type Error struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string
	// Limit, with CodeLimitReached, says which limit of the subscription tier refused a create.
	Limit *Limit
	Cause error

	// missedCheck marks bad input that only PostgreSQL caught: a validation is missing somewhere.
	missedCheck bool
}

// Error implements error with the code and message; the cause follows for logs.
func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// LogLevel says whether the server logs e, and how loudly: its own faults (5xx) at error, and bad input
// that only PostgreSQL caught at warn, because that means a check is missing. A client's mistake that was
// caught where it should be is not logged.
func (e *Error) LogLevel() (slog.Level, bool) {
	switch {
	case e.Status >= http.StatusInternalServerError:
		return slog.LevelError, true
	case e.missedCheck:
		return slog.LevelWarn, true
	}
	return 0, false
}

// New returns an Error with the given status, code and message.
func New(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Validation returns a 400 naming each invalid field and what is wrong with it.
func Validation(fields map[string]string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeValidationFailed,
		Message: "the request has invalid fields", Fields: fields}
}

// NotFound returns a 404 for something that does not exist or that the caller may not see.
func NotFound(what string) *Error {
	return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: what + " not found"}
}

// Internal returns a 500 whose cause is logged but never sent.
func Internal(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal,
		Message: "something went wrong on our side", Cause: cause}
}

// Limit is what a limit_reached answer tells the app: the resource, the tier's limit, the usage, and the
// upgrade trigger (paywall text) to show.
type Limit struct {
	Resource                  string
	Limit, Usage              int64
	TriggerTitle, TriggerBody string
}

// LimitReached returns the 403 of a create the subscription tier does not allow.
func LimitReached(l Limit, message string) *Error {
	return &Error{Status: http.StatusForbidden, Code: CodeLimitReached, Message: message, Limit: &l}
}

// Body converts e to the spec's ApiError, the body of every error response.
func (e *Error) Body() *oas.APIError {
	body := oas.APIErrorBody{Code: e.Code, Message: e.Message}
	if len(e.Fields) > 0 {
		body.Fields = oas.NewOptAPIErrorBodyFields(oas.APIErrorBodyFields(e.Fields))
	}
	if l := e.Limit; l != nil {
		body.Limit = oas.NewOptLimitReached(oas.LimitReached{Resource: oas.LimitedResource(l.Resource), Limit: l.Limit,
			Usage: l.Usage, UpgradeTrigger: oas.UpgradeTrigger{Key: oas.LimitedResource(l.Resource), Title: l.TriggerTitle,
				Body: l.TriggerBody}})
	}
	return &oas.APIError{Error: body}
}

// From turns any error into an *Error: an *Error passes through, ogen's decoding and security failures become
// 4xx with the fields they name, a cancelled request becomes 499-like 400, and anything else is a 500.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if e := fromOgen(err); e != nil {
		return e
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeRequestTooLarge,
			Message: fmt.Sprintf("the request body is larger than %d bytes", tooLarge.Limit), Cause: err}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Status: http.StatusBadRequest, Code: "request_cancelled",
			Message: "the request was cancelled", Cause: err}
	}
	if e := fromDataException(err); e != nil {
		return e
	}
	if isUnavailable(err) {
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
			Message: "a service the API depends on is unreachable; try again shortly", Cause: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
			Message: "the request took too long; try again", Cause: err}
	}
	return Internal(err)
}

// Write sends e as JSON with its status, and Retry-After with a 503 (a 429 has its own, set by RateLimited).
// Every error is written here: the API server's error handler sends handler, security and decoding errors
// through it, and the router and middleware outside the API use it directly.
func Write(w http.ResponseWriter, e *Error) {
	body, err := e.Body().MarshalJSON()
	if err != nil { // the type is generated and plain; this cannot happen
		body = []byte(`{"error":{"code":"internal_error","message":"something went wrong on our side"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	if e.Status == http.StatusServiceUnavailable && len(h.Values("Retry-After")) == 0 {
		h.Set("Retry-After", "1")
	}
	w.WriteHeader(e.Status)
	_, _ = w.Write(body) //nolint:gosec // G705: JSON with nosniff, never HTML; a 404's message quotes the path
}

// Conflict returns a 409 with a specific code, e.g. email_taken.
func Conflict(code, message string) *Error {
	return &Error{Status: http.StatusConflict, Code: code, Message: message}
}

// Unauthorized returns a 401 with a specific code.
func Unauthorized(code, message string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: code, Message: message}
}

// BadRequest returns a 400 with a specific code and, optionally, the field at fault.
func BadRequest(code, message string, fields map[string]string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: message, Fields: fields}
}

// RateLimited returns a 429 and sets Retry-After on the response.
func RateLimited(ctx context.Context, retryAfterSeconds int) *Error {
	if retryAfterSeconds < 1 {
		retryAfterSeconds = 1
	}
	reqinfo.From(ctx).SetHeader("Retry-After", strconv.Itoa(retryAfterSeconds))
	return &Error{Status: http.StatusTooManyRequests, Code: CodeRateLimited,
		Message: fmt.Sprintf("too many attempts; try again in %d seconds", retryAfterSeconds)}
}
