package apierror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/ogen-go/ogen/ogenerrors"
	"github.com/ogen-go/ogen/validate"
	"github.com/stretchr/testify/require"
)

func TestFrom(t *testing.T) {
	t.Parallel()
	op := ogenerrors.OperationContext{Name: "Register", ID: "register"}
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantFields map[string]string
	}{
		{"PassesAPIErrorThrough", fmt.Errorf("wrapped: %w", NotFound("residence")), 404, CodeNotFound, nil},
		{"MissingFieldNamesIt", &ogenerrors.DecodeRequestError{OperationContext: op, Err: fmt.Errorf("decode application/json: %w",
			&validate.Error{Fields: []validate.FieldError{{Name: "email", Error: validate.ErrFieldRequired}}})},
			400, CodeValidationFailed, map[string]string{"email": "is required"}},
		{"NestedFieldGetsDottedName", &ogenerrors.DecodeRequestError{OperationContext: op, Err: &validate.Error{Fields: []validate.FieldError{
			{Name: "address", Error: &validate.Error{Fields: []validate.FieldError{{Name: "city", Error: validate.ErrFieldRequired}}}}}}},
			400, CodeValidationFailed, map[string]string{"address.city": "is required"}},
		{"RequiredFieldOfANestedObjectGetsDottedName", &ogenerrors.DecodeRequestError{OperationContext: op, Err: fmt.Errorf("decode application/json: %w",
			fmt.Errorf(`decode field "keys": %w`, &validate.Error{Fields: []validate.FieldError{{Name: "auth", Error: validate.ErrFieldRequired}}}))},
			400, CodeValidationFailed, map[string]string{"keys.auth": "is required"}},
		{"WrongJSONTypeNamesField", jsonBodyError(t, `{"name":"Home","bedrooms":"3"}`),
			400, CodeValidationFailed, map[string]string{"bedrooms": "has the wrong type or format (see the API description)"}},
		{"MalformedJSONIsMalformedRequest", &ogenerrors.DecodeRequestError{OperationContext: op, Err: errors.New("unexpected EOF")},
			400, CodeMalformedRequest, nil},
		{"EmptyBody", &ogenerrors.DecodeRequestError{OperationContext: op, Err: validate.ErrBodyRequired}, 400, CodeMalformedRequest, nil},
		{"BadPathParameterNamesIt", &ogenerrors.DecodeParamsError{OperationContext: op, Err: &ogenerrors.DecodeParamError{
			Name: "id", Err: &strconv.NumError{Func: "ParseInt", Num: "abc", Err: strconv.ErrSyntax}}},
			400, CodeValidationFailed, map[string]string{"id": "must be a positive integer id"}},
		{"SecurityFailureIs401", &ogenerrors.SecurityError{OperationContext: op, Security: "BearerAuth", Err: ogenerrors.ErrSecurityRequirementIsNotSatisfied},
			401, CodeUnauthorized, nil},
		{"WrongContentTypeIs415", &ogenerrors.DecodeRequestError{OperationContext: op, Err: validate.InvalidContentType("text/plain")},
			415, CodeUnsupportedMediaType, nil},
		{"OversizedBodyIs413", &ogenerrors.DecodeRequestError{OperationContext: op, Err: &http.MaxBytesError{Limit: 10}},
			413, CodeRequestTooLarge, nil},
		{"UnknownErrorIs500", errors.New("pq: connection reset"), 500, CodeInternal, nil},
		{"CancelledRequest", context.Canceled, 400, "request_cancelled", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := From(tt.err)
			require.Equal(t, tt.wantStatus, got.Status, "status for %v", tt.err)
			require.Equal(t, tt.wantCode, got.Code)
			require.Equal(t, tt.wantFields, got.Fields)
			require.NotEmpty(t, got.Message)
		})
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()

	t.Run("WritesSpecShapeWithFields", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		Write(rec, Validation(map[string]string{"email": "must be a valid address"}))
		require.Equal(t, http.StatusBadRequest, rec.Code)
		require.JSONEq(t, `{"error":{"code":"validation_failed","message":"the request has invalid fields",
			"fields":{"email":"must be a valid address"}}}`, rec.Body.String())
	})
	t.Run("HidesCauseOfServerFault", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		Write(rec, Internal(errors.New("password=hunter2 host=db")))
		require.Equal(t, http.StatusInternalServerError, rec.Code)
		require.NotContains(t, rec.Body.String(), "hunter2")
		var body map[string]map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		require.NotContains(t, body["error"], "fields", "no fields key when there are none")
	})
	t.Run("UnavailableSaysWhenToRetry", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		Write(rec, From(io.ErrUnexpectedEOF))
		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		require.Equal(t, "1", rec.Header().Get("Retry-After"), "the spec requires Retry-After on every 503")
	})
	t.Run("UnavailableKeepsARetryAfterAlreadySet", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		rec.Header().Set("Retry-After", "5")
		Write(rec, From(io.ErrUnexpectedEOF))
		require.Equal(t, "5", rec.Header().Get("Retry-After"))
	})
}

func TestFromUnavailableDependency(t *testing.T) {
	t.Parallel()
	for name, err := range map[string]error{
		"ConnectionRefused": fmt.Errorf("error listing residences: %w",
			&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}),
		"ValkeyNotConnected":    fmt.Errorf("error invalidating: %w", notConnected{}),
		"ConnectionCutMidQuery": fmt.Errorf("error loading board: %w", io.ErrUnexpectedEOF),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := From(err)
			require.Equal(t, http.StatusServiceUnavailable, got.Status, "%v", err)
			require.Equal(t, CodeUnavailable, got.Code)
			require.NotContains(t, got.Message, "refused", "the cause stays in the log")
		})
	}
}

// notConnected is an error of a dependency that is not connected, as valkeyconn.ErrUnavailable is.
type notConnected struct{}

func (notConnected) Error() string     { return "not connected" }
func (notConnected) Unavailable() bool { return true }
