package adminweb

import (
	"bytes"
	"net/http"
)

// isHtmx reports whether r is an htmx request, which is answered with a fragment to swap in rather than a
// redirect to a whole page.
func isHtmx(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true"
}

// renderFragment writes the template fragment of the page pageName with data and status, for htmx to swap
// in. As render, it renders to a buffer first so a template error is a clean 500.
func (p *Panel) renderFragment(w http.ResponseWriter, r *http.Request, status int, pageName, fragment string, data any) {
	var buf bytes.Buffer
	if err := p.pages.byName[pageName].ExecuteTemplate(&buf, fragment, data); err != nil {
		p.log.ErrorContext(r.Context(), "admin panel fragment failed to render", "page", pageName, "fragment", fragment, "error", err)
		http.Error(w, "the page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
