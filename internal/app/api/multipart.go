package api

import (
	"errors"
	"maps"
	"mime/multipart"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// multipartBodies gives, for each operation whose multipart body has fields with limits (ogen then
// generates a Validate for its type), a new value of the type ogen decodes it into. decodeError uses it to
// name the field of a failure ogen reports without one. (The file replace has only the file, no limits.)
var multipartBodies = map[string]func() validatable{
	oas.CreateDocumentOperation: func() validatable { return new(oas.DocumentCreateUploadMultipart) },
}

// validatable is a generated request type; Validate reports every field that breaks the spec, by name.
type validatable interface{ Validate() error }

// msgNotAFile is what a file field sent as a text part (without a filename) is told.
const msgNotAFile = "must be a file: send it as a part with a filename"

// decodeError maps an error ogen met before a handler ran (decoding, validation, authentication). For a
// multipart body it also names the field where ogen's error does not: ogen's multipart decoder checks a
// field's length, enum or range without saying which field failed, so the form is loaded into the generated
// type once more and its Validate, which does name fields, says which. A file field that arrived as a text
// part is told to be a file rather than that it is missing.
func decodeError(r *http.Request, err error) *apierror.Error {
	e := apierror.From(err)
	form := r.MultipartForm
	if form == nil || e.Status != http.StatusBadRequest {
		return e
	}
	if len(e.Fields) == 0 {
		var req *ogenerrors.DecodeRequestError
		if !errors.As(err, &req) {
			return e
		}
		newBody, ok := multipartBodies[req.OperationName()]
		if !ok {
			return e
		}
		body := newBody()
		loadForm(reflect.ValueOf(body).Elem(), form.Value)
		verr := body.Validate()
		if verr == nil {
			return e
		}
		named := apierror.From(&ogenerrors.DecodeRequestError{OperationContext: req.OperationContext, Err: verr})
		if len(named.Fields) == 0 {
			return e
		}
		named.Cause = err
		e = named
	}
	nameMissing(e, err, form)
	for name, msg := range e.Fields {
		if _, sentAsText := form.Value[name]; msg == msgRequired && sentAsText && len(form.File[name]) == 0 {
			e.Fields[name] = msgNotAFile
		}
	}
	return e
}

// msgRequired is what ogen's decoder tells a required field that is missing.
const msgRequired = "is required"

// nameMissing adds every other required field the form lacks to an error that names a missing one: ogen's
// multipart decoder stops at the first, where the JSON decoder names them all.
func nameMissing(e *apierror.Error, err error, form *multipart.Form) {
	var req *ogenerrors.DecodeRequestError
	if !slices.Contains(slices.Collect(maps.Values(e.Fields)), msgRequired) || !errors.As(err, &req) {
		return
	}
	newBody, ok := multipartBodies[req.OperationName()]
	if !ok {
		return
	}
	t := reflect.TypeOf(newBody()).Elem()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		// ogen gives an optional field an Opt type (OptString, OptNilDate, ...); the others are required.
		optional := strings.HasPrefix(t.Field(i).Type.Name(), "Opt")
		if name != "" && !optional && len(form.Value[name]) == 0 && len(form.File[name]) == 0 {
			if _, named := e.Fields[name]; !named {
				e.Fields[name] = msgRequired
			}
		}
	}
}

// loadForm sets the fields of the generated struct v from form values by their JSON names, as far as the
// values convert; a value that does not was reported by ogen with its name already.
func loadForm(v reflect.Value, values map[string][]string) {
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if vs := values[name]; name != "" && len(vs) > 0 {
			setFormValue(v.Field(i), vs[0])
		}
	}
}

// setFormValue sets f from s: a string, number or date, or an optional one (ogen's OptX{Value, Set}).
func setFormValue(f reflect.Value, s string) bool {
	if f.Kind() == reflect.Struct && f.Type() != reflect.TypeFor[time.Time]() {
		value, set := f.FieldByName("Value"), f.FieldByName("Set")
		if !value.IsValid() || !set.IsValid() || set.Kind() != reflect.Bool {
			return false
		}
		if setFormValue(value, s) {
			set.SetBool(true)
			return true
		}
		return false
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, f.Type().Bits())
		if err != nil {
			return false
		}
		f.SetInt(n)
	case reflect.Float32, reflect.Float64:
		x, err := strconv.ParseFloat(s, f.Type().Bits())
		if err != nil {
			return false
		}
		f.SetFloat(x)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return false
		}
		f.SetBool(b)
	case reflect.Struct: // time.Time: a date, the only time format a form field has in the spec
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return false
		}
		f.Set(reflect.ValueOf(d))
	default:
		return false
	}
	return true
}
