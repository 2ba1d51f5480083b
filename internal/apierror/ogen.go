package apierror

import (
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ogen-go/ogen/ogenerrors"
	"github.com/ogen-go/ogen/validate"
)

// Messages for what ogen finds wrong with a value before a handler runs. They are written for the app
// developer reading the response; Go's and ogen's own error text goes to the log only.
const (
	msgRequired  = "is required"
	msgInvalid   = "is invalid"
	msgWrongType = "has the wrong type or format (see the API description)"
	msgNotInEnum = "is not one of the allowed values (see the API description)"
	msgID        = "must be a positive integer id"
	msgDate      = "must be a date like 2026-05-01"
	msgDateTime  = "must be a date and time like 2026-05-01T09:30:00Z"
	msgEmail     = "must be a valid address"
	// msgNotText is textinput.Problem (which imports this package): a NUL character is reported as bad
	// text wherever it is found first, by the text check or by the email format's.
	msgNotText = "must be valid UTF-8 text without NUL characters"
)

// patternMessages says, for each pattern a request field has in api/openapi.yaml, what a value that does not
// match it is told: the rule in words, as the handlers' own checks word it. A pattern without a message
// gets a generic one; TestEveryPatternHasAMessage (internal/app/api) keeps the list complete.
var patternMessages = map[string]string{
	`^[^\r\n]*$`:                                      "must be a single line of text",
	`^[^\r\n]*\S[^\r\n]*$`:                            "must be a single line of text, not blank",
	`^\s*[0-9]{6}\s*$`:                                "must be the 6-digit code from the email",
	`^\s*[A-HJKMNP-Za-hjkmnp-z2-9]{6}\s*$`:            "must be the 6-character share code",
	`^\s*([hH][tT][tT][pP][sS]?://[^\s/?#]+\S*)?\s*$`: "must be an http or https address such as https://example.com",
	`^(\s*|[\s().-]*\+?[\s().-]*([0-9][\s().-]*){6,20})$`: "must be a phone number of 6 to 20 digits, " +
		"written with digits, spaces, dashes, dots, parentheses and a leading +",
	`^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$`: "must be an IANA timezone such as Europe/Berlin",
}

// PatternMessage returns what a field that does not match pattern, one of the spec's, is told.
func PatternMessage(pattern string) (string, bool) {
	msg, ok := patternMessages[pattern]
	return msg, ok
}

var (
	// fieldLabelRe matches the labels ogen's generated decoders wrap a field's error in: `decode field "x"`
	// (JSON, once per level of nesting) and `decode "x"` (a multipart field).
	fieldLabelRe = regexp.MustCompile(`^decode (?:field )?"([^"]+)"$`)
	// notSetRe matches ogen's error for a required multipart field that was not sent.
	notSetRe = regexp.MustCompile(`^query parameter "([^"]+)" not set$`)
)

// fromOgen maps the errors ogen produces before a handler runs. It returns nil for other errors.
func fromOgen(err error) *Error {
	var sec *ogenerrors.SecurityError
	if errors.As(err, &sec) {
		// A bad token arrives here as the *Error the security handler returned (From passes it through), and
		// a missing one as ogen's unsatisfied requirement. Anything else is the server failing to check the
		// token (PostgreSQL unreachable during a cold lookup): it is mapped like a handler's error, 503 or
		// 500, because a 401 would sign the user out of the app over a fault of ours.
		if !errors.Is(err, ogenerrors.ErrSecurityRequirementIsNotSatisfied) {
			return nil
		}
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
			fields[p.Name] = describe(p.Name, p.Err)
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
			collect(fields, strings.Join(fieldsAbove(err, v), "."), v)
		} else if name, msg := decodeFailure(err); name != "" {
			fields[name] = msg
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

// decodeFailure names the field a body decoder failed on, from the labels ogen's generated code wraps the
// error in (never from the client's text inside it), and says what is wrong with it. It returns "" when the
// error names no field (malformed JSON, a broken multipart body).
func decodeFailure(err error) (name, msg string) {
	var names []string
	chain := unwrapChain(err)
	for i, e := range chain {
		if i+1 < len(chain) {
			if m := fieldLabelRe.FindStringSubmatch(label(e, chain[i+1])); m != nil {
				names = append(names, m[1])
			}
			continue
		}
		if m := notSetRe.FindStringSubmatch(e.Error()); m != nil {
			return m[1], msgRequired
		}
	}
	if len(names) == 0 {
		return "", ""
	}
	name = strings.Join(names, ".")
	if msg = explain(name, err); msg == "" {
		msg = msgWrongType
	}
	return name, msg
}

// fieldsAbove names the fields whose decoding wrapped target, outermost first: a required field missing from a
// nested object fails validation inside the decoding of its parent (`decode field "keys"`), and the answer
// must name it as keys.auth, not auth.
func fieldsAbove(err, target error) []string {
	var names []string
	chain := unwrapChain(err)
	for i := 0; i+1 < len(chain) && chain[i] != target; i++ {
		if m := fieldLabelRe.FindStringSubmatch(label(chain[i], chain[i+1])); m != nil {
			names = append(names, m[1])
		}
	}
	return names
}

// unwrapChain lists err and what it wraps, outermost first; of a join it follows the first error (ogen
// joins the decoding error with the error of closing the body).
func unwrapChain(err error) []error {
	var out []error
	for err != nil && len(out) < 64 {
		out = append(out, err)
		switch e := err.(type) { //nolint:errorlint // walking the chain by hand
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			err = nil
			for _, inner := range e.Unwrap() {
				if inner != nil {
					err = inner
					break
				}
			}
		default:
			err = nil
		}
	}
	return out
}

// label is the text a wrapping error adds in front of the error it wraps ("decode field \"x\"" of
// `decode field "x": unexpected byte`), or "" when its message is not of that form.
func label(wrapper, inner error) string {
	if l, ok := strings.CutSuffix(wrapper.Error(), ": "+inner.Error()); ok {
		return l
	}
	return ""
}

// collect flattens ogen's nested validation errors into dotted field names; an array item, which ogen names
// "[2]", becomes "items.2".
func collect(into map[string]string, prefix string, v *validate.Error) {
	for _, f := range v.Fields {
		name := f.Name
		if len(name) > 2 && name[0] == '[' && name[len(name)-1] == ']' {
			name = name[1 : len(name)-1]
		}
		if prefix != "" {
			name = prefix + "." + name
		}
		var nested *validate.Error
		if errors.As(f.Error, &nested) {
			collect(into, name, nested)
			continue
		}
		into[name] = describe(name, f.Error)
	}
}

// describe says what is wrong with the value of the named field in words an app developer can act on.
func describe(name string, err error) string {
	if msg := explain(name, err); msg != "" {
		return msg
	}
	return msgInvalid
}

// explain is describe for the errors it recognises, by their types where ogen gives them one and by the
// fixed wording of ogen's validators where it does not; it returns "" for anything else.
func explain(name string, err error) string {
	var (
		minLen  *validate.MinLengthError
		maxLen  *validate.MaxLengthError
		pattern *validate.NoRegexMatchError
		dup     *validate.DuplicateItemsError
		num     *strconv.NumError
		parse   *time.ParseError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, validate.ErrFieldRequired):
		return msgRequired
	case errors.As(err, &minLen):
		return lengthBound("at least", minLen.MinLength, isArrayError(err))
	case errors.As(err, &maxLen):
		return lengthBound("at most", maxLen.MaxLength, isArrayError(err))
	case errors.As(err, &pattern):
		if msg, ok := PatternMessage(pattern.Pattern.String()); ok {
			return msg
		}
		return "has the wrong format (see the API description)"
	case errors.As(err, &dup):
		return "must not contain the same item twice"
	case errors.As(err, &num):
		return describeNumber(name, num)
	case errors.As(err, &parse):
		switch parse.Layout {
		case time.DateOnly:
			return msgDate
		case time.TimeOnly:
			return "must be a time like 09:30:00"
		}
		return msgDateTime
	}
	chain := unwrapChain(err)
	return describeValidator(chain[len(chain)-1].Error())
}

// isArrayError reports whether a length error is about an array's items rather than a string's characters:
// ogen wraps the two in "array" and "string".
func isArrayError(err error) bool {
	chain := unwrapChain(err)
	for i := 0; i+1 < len(chain); i++ {
		if label(chain[i], chain[i+1]) == "array" {
			return true
		}
	}
	return false
}

func lengthBound(relation string, n int, items bool) string {
	unit := "character"
	if items {
		unit = "item"
	}
	if n != 1 {
		unit += "s"
	}
	if items {
		return fmt.Sprintf("must have %s %d %s", relation, n, unit)
	}
	return fmt.Sprintf("must be %s %d %s", relation, n, unit)
}

// describeNumber explains a value ogen could not convert to the parameter's or field's type.
func describeNumber(name string, num *strconv.NumError) string {
	switch num.Func {
	case "ParseBool":
		return "must be true or false"
	case "ParseFloat":
		if errors.Is(num.Err, strconv.ErrRange) {
			return "is out of range"
		}
		return "must be a number"
	}
	if isIDField(name) {
		return msgID
	}
	if errors.Is(num.Err, strconv.ErrRange) {
		return "is out of range"
	}
	return "must be a whole number"
}

// isIDField reports whether the field holds a row's id ("id", "residence_id", "userId", "items.0.task_id").
func isIDField(name string) bool {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return name == "id" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "Id")
}

// describeValidator explains the errors ogen's validators only give as text (validate.Int, validate.Float,
// enums), whose wording is fixed in ogen's validate package and generated code. The numbers are the spec's
// bounds, reformatted; nothing of the client's value is repeated.
func describeValidator(msg string) string {
	var value, bound string
	switch {
	case scan(msg, "value %s less than minimum %s", &value, &bound), scan(msg, "value %s less than %s", &value, &bound):
		if sameNumber(value, bound) { // only an exclusive minimum refuses the bound itself
			return "must be greater than " + plainNumber(bound)
		}
		return "must be at least " + plainNumber(bound)
	case scan(msg, "value %s greater than maximum %s", &value, &bound), scan(msg, "value %s greater than %s", &value, &bound):
		if sameNumber(value, bound) {
			return "must be less than " + plainNumber(bound)
		}
		return "must be at most " + plainNumber(bound)
	case scan(msg, "value %s is not multiple of %s", &value, &bound):
		return "must be a multiple of " + plainNumber(bound)
	case strings.HasPrefix(msg, "value ") && (strings.HasSuffix(msg, " is not a number") || strings.HasSuffix(msg, " is infinite")):
		return "must be a finite number"
	case strings.HasPrefix(msg, "invalid value: "), msg == "nil is invalid value":
		return msgNotInEnum
	case msg == "not printable character (U+0000)": // the email format's check met a NUL first
		return msgNotText
	case isEmailProblem(msg):
		return msgEmail
	case strings.HasPrefix(msg, "duplicate element "):
		return "must not contain the same item twice"
	case strings.HasPrefix(msg, "object properties number "):
		return "has too many or too few properties (see the API description)"
	}
	return ""
}

// isEmailProblem reports whether msg is one of the fixed messages of ogen's check of `format: email`
// (validate.String.checkEmail).
func isEmailProblem(msg string) bool {
	switch msg {
	case "blank", "no @", "got @ at start", "@ at end", "got @ multiple times":
		return true
	}
	return strings.HasPrefix(msg, "space character (") || strings.HasPrefix(msg, "not printable character (")
}

// scan reports whether msg has exactly the form of format, whose %s verbs each match one word.
func scan(msg, format string, args ...*string) bool {
	ptrs := make([]any, len(args))
	for i, a := range args {
		ptrs[i] = a
	}
	n, err := fmt.Sscanf(msg, format, ptrs...)
	return err == nil && n == len(args) && fmt.Sprintf(format, derefAll(args)...) == msg
}

func derefAll(args []*string) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = *a
	}
	return out
}

// plainNumber writes a bound as people do: 0 not 0.000000, 0.01 not 1/100, 1000000000000 not 1e+12.
func plainNumber(s string) string {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return s
	}
	if r.IsInt() {
		return r.Num().String()
	}
	out := strings.TrimRight(r.FloatString(12), "0")
	return strings.TrimSuffix(out, ".")
}

func sameNumber(a, b string) bool {
	x, okX := new(big.Rat).SetString(a)
	y, okY := new(big.Rat).SetString(b)
	return okX && okY && x.Cmp(y) == 0
}

func quote(s string) string { return `"` + s + `"` }
