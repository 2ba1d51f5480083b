package adminweb

import (
	"fmt"
	"net/http"

	"github.com/homekeep/homekeep/internal/apierror"
)

// fail shows an error from the admin API's code as a page with its status: its message for a 4xx (written
// for people), a generic one for a 5xx, which is logged with the request.
func (p *Panel) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := apierror.From(err)
	if e.Status >= http.StatusInternalServerError {
		p.log.ErrorContext(r.Context(), "admin panel request failed", "path", r.URL.Path, "error", err)
		p.renderError(w, r, e.Status, "Something went wrong on the server. Try again.")
		return
	}
	p.renderError(w, r, e.Status, e.Message)
}

// unexpected handles an answer of the admin API's code that the page does not render (a declared error
// status returned as a value rather than an error).
func (p *Panel) unexpected(w http.ResponseWriter, r *http.Request, res any) {
	p.fail(w, r, fmt.Errorf("admin panel: unexpected answer %T", res))
}
