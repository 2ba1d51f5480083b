package apierror

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/ogen-go/ogen/ogenerrors"
	"github.com/ogen-go/ogen/validate"
)

// decodeFieldRe finds the JSON field ogen was decoding when a value had the wrong type; ogen reports that
// only in the message (`decode field "email": ...`).
var decodeFieldRe = regexp.MustCompile(`decode field "([^"]+)"`)

// fromOgen maps the errors ogen produces before a handler runs. It returns nil for other errors.
func fromOgen(err error) *Error {
	var sec *ogenerrors.SecurityError
	if errors.As(err, &sec) {
		return &Error{Status: http.StatusUnauthorized, Code: CodeUnauthorized,
			Message: "a valid token is required: send Authorization: Bearer <token>", Cause: err}
	}

	var ct *validate.InvalidContentTypeError
	if errors.As(err, &ct) {
		return &Error{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedMediaType,
			Message: "unsupported Content-Type " + quote(ct.ContentType) + " for this operation (see the API description)", Cause: err}
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil // From handles it
	}

	var params *ogenerrors.DecodeParamsError
	var req *ogenerrors.DecodeRequestError
	switch {
	case errors.As(err, &params):
		fields := map[string]string{}
		var p *ogenerrors.DecodeParamError
		if errors.As(err, &p) {
			fields[p.Name] = describe(p.Err)
		}
		return &Error{Status: http.StatusBadRequest, Code: CodeValidationFailed,
			Message: "the request has invalid parameters", Fields: fields, Cause: err}
	case errors.As(err, &req):
		if errors.Is(err, validate.ErrBodyRequired) {
			return &Error{Status: http.StatusBadRequest, Code: CodeMalformedRequest,
				Message: "a request body is required", Cause: err}
		}
		fields := map[string]string{}
		var v *validate.Error
		if errors.As(err, &v) {
			collect(fields, "", v)
		} else if m := decodeFieldRe.FindStringSubmatch(err.Error()); m != nil {
			fields[m[1]] = "has the wrong type or format"
		}
		if len(fields) == 0 {
			return &Error{Status: http.StatusBadRequest, Code: CodeMalformedRequest,
				Message: "the request body could not be read: it is malformed or not what this operation takes", Cause: err}
		}
		return &Error{Status: http.StatusBadRequest, Code: CodeValidationFailed,
			Message: "the request has invalid fields", Fields: fields, Cause: err}
	}
	return nil
}

// collect flattens ogen's nested validation errors into dotted field names.
func collect(into map[string]string, prefix string, v *validate.Error) {
	for _, f := range v.Fields {
		name := f.Name
		if prefix != "" {
			name = prefix + "." + name
		}
		var nested *validate.Error
		if errors.As(f.Error, &nested) {
			collect(into, name, nested)
			continue
		}
		into[name] = describe(f.Error)
	}
}

// describe turns a validator's terse message into one a person can act on.
func describe(err error) string {
	var minLen *validate.MinLengthError
	var maxLen *validate.MaxLengthError
	var pattern *validate.NoRegexMatchError
	switch {
	case err == nil:
		return "is invalid"
	case errors.Is(err, validate.ErrFieldRequired):
		return "is required"
	case errors.As(err, &minLen):
		return fmt.Sprintf("must be at least %d characters", minLen.MinLength)
	case errors.As(err, &maxLen):
		return fmt.Sprintf("must be at most %d characters", maxLen.MaxLength)
	case errors.As(err, &pattern):
		return "has the wrong format"
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "less than minimum"), strings.Contains(msg, "less than"):
		return "is too small or too short: " + msg
	case strings.Contains(msg, "greater than maximum"), strings.Contains(msg, "greater than"), msg == "too long":
		return "is too large or too long: " + msg
	case strings.Contains(msg, "@"), strings.Contains(msg, "blank"):
		return "must be a valid address"
	}
	return "is invalid: " + msg
}

func quote(s string) string { return `"` + s + `"` }
