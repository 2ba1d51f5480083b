package apierror

import (
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/go-faster/errors"
	"github.com/go-faster/jx"
	"github.com/ogen-go/ogen/conv"
	"github.com/ogen-go/ogen/ogenerrors"
	"github.com/ogen-go/ogen/uri"
	"github.com/ogen-go/ogen/validate"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/gen/oas"
)

// The errors below are made by the functions ogen's generated code calls, wrapped as that code wraps them,
// so a change in ogen's errors shows up here.

var testOp = ogenerrors.OperationContext{Name: "CreateResidence", ID: "createResidence"}

func paramError(name string, err error) error {
	return &ogenerrors.DecodeParamsError{OperationContext: testOp,
		Err: &ogenerrors.DecodeParamError{Name: name, In: "query", Err: err}}
}

func errOf[T any](_ T, err error) error { return err }

// jsonBodyError decodes body as a residence create the way ogen's request decoder does.
func jsonBodyError(t *testing.T, body string) error {
	t.Helper()
	var r oas.ResidenceCreate
	if err := r.Decode(jx.DecodeStr(body)); err != nil {
		return &ogenerrors.DecodeRequestError{OperationContext: testOp,
			Err: &ogenerrors.DecodeBodyError{ContentType: "application/json", Body: []byte(body), Err: err}}
	}
	if err := r.Validate(); err != nil {
		return &ogenerrors.DecodeRequestError{OperationContext: testOp, Err: errors.Wrap(err, "validate")}
	}
	t.Fatalf("body %s is valid", body)
	return nil
}

// multipartError wraps err as ogen's multipart decoder does, including the errors.Join with closing.
func multipartError(err error) error {
	return &ogenerrors.DecodeRequestError{OperationContext: testOp, Err: errors.Join(err, nil)}
}

func TestFromNamesFieldsInPlainWords(t *testing.T) {
	t.Parallel()
	notSet := uri.NewQueryDecoder(url.Values{}).HasParam(uri.QueryParameterDecodingConfig{
		Name: "title", Style: uri.QueryStyleForm, Explode: true})
	tests := []struct {
		name string
		err  error
		want map[string]string
	}{
		{"PathIDNotANumber", paramError("id", errOf(conv.ToInt64("abc"))), map[string]string{"id": "must be a positive integer id"}},
		{"PathIDOutOfRange", paramError("id", errOf(conv.ToInt64("99999999999999999999"))),
			map[string]string{"id": "must be a positive integer id"}},
		{"CamelCaseID", paramError("userId", errOf(conv.ToInt64("x"))), map[string]string{"userId": "must be a positive integer id"}},
		{"IntegerNotANumber", paramError("days_threshold", errOf(conv.ToInt32("soon"))),
			map[string]string{"days_threshold": "must be a whole number"}},
		{"IntegerOutOfRange", paramError("days_threshold", errOf(conv.ToInt32("99999999999"))),
			map[string]string{"days_threshold": "is out of range"}},
		{"IntegerBelowMinimum", paramError("days_threshold",
			errors.Wrap(validate.Int{MinSet: true, Min: 1, MaxSet: true, Max: 365}.Validate(-1), "int")),
			map[string]string{"days_threshold": "must be at least 1"}},
		{"IntegerAboveMaximum", paramError("days_threshold",
			errors.Wrap(validate.Int{MinSet: true, Min: 1, MaxSet: true, Max: 365}.Validate(366), "int")),
			map[string]string{"days_threshold": "must be at most 365"}},
		{"IntegerNotMultiple", paramError("minutes", errors.Wrap(validate.Int{MultipleOfSet: true, MultipleOf: 5}.Validate(7), "int")),
			map[string]string{"minutes": "must be a multiple of 5"}},
		{"NumberBelowMinimum", paramError("price", errors.Wrap(validate.Float{MinSet: true, Min: 0}.Validate(-0.5), "float")),
			map[string]string{"price": "must be at least 0"}},
		{"NumberAboveMaximum", paramError("price", errors.Wrap(validate.Float{MaxSet: true, Max: 1e12}.Validate(2e12), "float")),
			map[string]string{"price": "must be at most 1000000000000"}},
		{"NumberFractionalBound", paramError("price", errors.Wrap(validate.Float{MinSet: true, Min: 0.01}.Validate(0), "float")),
			map[string]string{"price": "must be at least 0.01"}},
		{"NumberNotMultiple", paramError("price",
			errors.Wrap(validate.Float{MultipleOfSet: true, MultipleOf: big.NewRat(1, 100)}.Validate(0.001), "float")),
			map[string]string{"price": "must be a multiple of 0.01"}},
		{"NumberNotANumber", paramError("price", errOf(conv.ToFloat64("cheap"))), map[string]string{"price": "must be a number"}},
		{"Boolean", paramError("favorites", errOf(conv.ToBool("maybe"))), map[string]string{"favorites": "must be true or false"}},
		{"Date", paramError("since", errOf(conv.ToDate("2026-13-01"))), map[string]string{"since": "must be a date like 2026-05-01"}},
		{"DateTime", paramError("at", errOf(conv.ToDateTime("tomorrow"))),
			map[string]string{"at": "must be a date and time like 2026-05-01T09:30:00Z"}},
		{"Enum", paramError("type", oas.DocumentType("poem").Validate()),
			map[string]string{"type": "is not one of the allowed values (see the API description)"}},
		{"Required", paramError("q", validate.ErrFieldRequired), map[string]string{"q": "is required"}},
		{"UnknownCauseStaysInTheLog", paramError("q", errors.New("weird internal state 0x1f")), map[string]string{"q": "is invalid"}},

		{"BodyWrongType", jsonBodyError(t, `{"name":"x","bedrooms":"three"}`),
			map[string]string{"bedrooms": "has the wrong type or format (see the API description)"}},
		{"BodyBadDate", jsonBodyError(t, `{"name":"x","purchase_date":"2026-13-01"}`),
			map[string]string{"purchase_date": "must be a date like 2026-05-01"}},
		{"BodyStringTooLong", jsonBodyError(t, `{"name":"`+strings.Repeat("ü", 201)+`"}`),
			map[string]string{"name": "must be at most 200 characters"}},
		{"BodyStringTooShort", &ogenerrors.DecodeRequestError{OperationContext: testOp, Err: &validate.Error{Fields: []validate.FieldError{
			{Name: "title", Error: errors.Wrap(validate.String{MinLengthSet: true, MinLength: 1}.Validate(""), "string")}}}},
			map[string]string{"title": "must be at least 1 character"}},
		{"ArrayTooLong", &ogenerrors.DecodeRequestError{OperationContext: testOp, Err: &validate.Error{Fields: []validate.FieldError{
			{Name: "specialty_ids", Error: errors.Wrap(validate.Array{MaxLengthSet: true, MaxLength: 20}.ValidateLength(21), "array")}}}},
			map[string]string{"specialty_ids": "must have at most 20 items"}},
		{"ArrayItemGetsIndex", &ogenerrors.DecodeRequestError{OperationContext: testOp, Err: &validate.Error{Fields: []validate.FieldError{
			{Name: "tags", Error: &validate.Error{Fields: []validate.FieldError{
				{Name: "[2]", Error: errors.Wrap(validate.String{MaxLengthSet: true, MaxLength: 5}.Validate("toolong"), "string")}}}}}}},
			map[string]string{"tags.2": "must be at most 5 characters"}},
		{"BodyPatternSaysTheRule", jsonBodyError(t, `{"name":"x","timezone":"Europe Berlin"}`),
			map[string]string{"timezone": "must be an IANA timezone such as Europe/Berlin"}},
		{"BodyBlankName", jsonBodyError(t, `{"name":"   "}`),
			map[string]string{"name": "must be a single line of text, not blank"}},
		{"BodyEmailFormat", &ogenerrors.DecodeRequestError{OperationContext: testOp, Err: &validate.Error{Fields: []validate.FieldError{
			{Name: "email", Error: errors.Wrap(validate.String{Email: true}.Validate("alex.example.com"), "string")}}}},
			map[string]string{"email": "must be a valid address"}},

		{"MultipartMissingField", multipartError(errors.Wrap(notSet, "query")), map[string]string{"title": "is required"}},
		{"MultipartBadValue", multipartError(errors.Wrap(errOf(conv.ToInt64("abc")), `decode "residence_id"`)),
			map[string]string{"residence_id": "must be a positive integer id"}},
		{"MultipartBadDate", multipartError(errors.Wrap(errOf(conv.ToDate("01.05.2026")), `decode "purchase_date"`)),
			map[string]string{"purchase_date": "must be a date like 2026-05-01"}},
		{"MultipartMissingFile", multipartError(errors.Wrap(validate.ErrFieldRequired, `decode "file"`)),
			map[string]string{"file": "is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := From(tt.err)
			require.Equal(t, 400, got.Status, "%v", tt.err)
			require.Equal(t, CodeValidationFailed, got.Code, "%v", tt.err)
			require.Equal(t, tt.want, got.Fields, "%v", tt.err)
			require.ErrorIs(t, got, tt.err, "the cause is kept for the log")
		})
	}
}

func TestFromLeavesUnnamedMultipartFailuresMalformed(t *testing.T) {
	t.Parallel()
	// A validation failure ogen reports without the field's name: the handler's error path names it from the
	// form (see app.decodeError); From alone can only say the body is wrong.
	err := multipartError(errors.Wrap(errors.Wrap(validate.String{MinLengthSet: true, MinLength: 1}.Validate(""), "string"), "validate"))
	got := From(err)
	require.Equal(t, 400, got.Status)
	require.Equal(t, CodeMalformedRequest, got.Code)
	require.Empty(t, got.Fields)
	require.NotContains(t, got.Message, "len")
}

func TestDescribeNeverRepeatsGoText(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		errOf(strconv.ParseInt("x", 10, 64)), errOf(conv.ToDate("x")), errors.New("pq: secret detail"),
		errors.Wrap(validate.Int{MinSet: true, Min: 1}.Validate(0), "int"), oas.DocumentType("x").Validate(),
	} {
		msg := describe("field", err)
		require.NotContains(t, msg, err.Error())
		require.NotRegexp(t, `strconv|parsing|syntax|int:|value 0|less than|secret|invalid value`, msg)
	}
}
