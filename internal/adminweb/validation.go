package adminweb

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app/admin"
)

// invalidBody turns the error of a generated request body's Validate into the formError the API would have
// answered for the same body: the panel calls the admin code past ogen's decoder, so it checks the body
// itself, and wrapping the error as ogen's decoder does gives the same field names and wording.
func invalidBody(operation string, err error) formError {
	e := apierror.From(&ogenerrors.DecodeRequestError{OperationContext: ogenerrors.OperationContext{Name: operation},
		Err: err})
	fields := make(map[string]string, len(e.Fields))
	for name, msg := range e.Fields {
		// A list item is named "tags.2": show it by the list's field, saying which item.
		if base, index, ok := strings.Cut(name, "."); ok {
			if n, err := strconv.Atoi(index); err == nil {
				msg = "item " + strconv.Itoa(n+1) + " " + msg
			}
			name = base
		}
		fields[name] = msg
	}
	return formError{Message: "Check the fields marked below.", Fields: fields, Status: http.StatusBadRequest}
}

// fieldsError is a formError for fields the panel itself could not read (a number that is not one).
func fieldsError(fields map[string]string) formError {
	return formError{Message: "Check the fields marked below.", Fields: fields, Status: http.StatusBadRequest}
}

// requireWriter refuses a viewer's post before the panel reads the form, as the admin code would refuse its
// change, so a viewer gets the same 403 whatever it sent.
func (p *Panel) requireWriter(w http.ResponseWriter, r *http.Request) bool {
	if err := admin.RequireWriter(r.Context()); err != nil {
		p.fail(w, r, err)
		return false
	}
	return true
}
