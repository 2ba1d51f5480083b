package adminweb

import (
	"net/http"
	"net/url"

	"github.com/homekeep/homekeep/internal/apierror"
)

// formError is how a page shows a refused form: the message above the form and, per field, what is wrong
// next to that field (the admin API's error names the fields, as for the apps).
type formError struct {
	Message string
	Fields  map[string]string
	Status  int
}

// asFormError turns an error of the admin API's code into a formError when it is the caller's fault (4xx); a
// server fault is not (ok false): show it with Panel.fail.
func asFormError(err error) (formError, bool) {
	e := apierror.From(err)
	if e.Status >= http.StatusInternalServerError {
		return formError{}, false
	}
	return formError{Message: e.Message, Fields: e.Fields, Status: e.Status}, true
}

// confirmView is the confirmation page every destructive action goes through, so it asks with and without
// JavaScript: the action's link leads here, and only this page's form posts.
type confirmView struct {
	Question string
	Detail   string
	Action   string // the URL the form posts to
	Button   string
	Back     string
	Hidden   url.Values // extra fields the post carries
}

// confirm shows the confirmation page for a destructive action.
func (p *Panel) confirm(w http.ResponseWriter, r *http.Request, v confirmView) {
	p.render(w, r, http.StatusOK, "confirm", page{Title: "Please confirm", Data: v})
}

// pager is the paging of a list page: the link to the next page (the API's next_cursor kept with the
// page's filters) and the total the API counted.
type pager struct {
	Total int64
	Next  string // empty on the last page
	First string // empty on the first page
}

// newPager builds the links of a list at path with the filters q (cursor left out), after a page that answered
// nextCursor; cursor is the page's own cursor ("" on the first page).
func newPager(path string, q url.Values, total int64, cursor, nextCursor string) pager {
	pg := pager{Total: total}
	base := url.Values{}
	for k, v := range q {
		if k != "cursor" && len(v) > 0 && v[0] != "" {
			base[k] = v
		}
	}
	if cursor != "" {
		pg.First = path + query(base)
	}
	if nextCursor != "" {
		next := url.Values{}
		for k, v := range base {
			next[k] = v
		}
		next.Set("cursor", nextCursor)
		pg.Next = path + query(next)
	}
	return pg
}

func query(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}
