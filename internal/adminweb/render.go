package adminweb

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"

	"github.com/homekeep/homekeep/internal/app/admin"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pageNames are the templates that are whole pages (each defines "content" for layout.html).
var pageNames = []string{"login", "dashboard", "error", "confirm", "users", "user", "jobs", "lookups", "lookup-delete", "residences", "residence", "tasks", "task", "task-templates", "task-template", "settings", "audit", "admins"}

type pages struct {
	byName map[string]*template.Template
}

func parsePages() (*pages, error) {
	layout, err := template.ParseFS(templateFiles, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	pg := &pages{byName: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.Must(layout.Clone()).ParseFS(templateFiles, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		pg.byName[name] = t
	}
	return pg, nil
}

// page is what layout.html renders: the title, the signed-in admin (none on the sign-in page), the session's
// CSRF token for forms and htmx, and the page's own data.
type page struct {
	Title string
	// Flash is a one-time message from the action that led here (render fills it in).
	Flash  string
	Admin  *admin.Principal
	CSRF   string
	Writer bool
	Data   any
}

// render writes the named page with status, filling in the session's admin and CSRF token when there is one.
// Rendering to a buffer first turns a template error into a clean 500 rather than half a page.
func (p *Panel) render(w http.ResponseWriter, r *http.Request, status int, name string, pg page) {
	if s := sessionFrom(r); s.token != "" {
		a := admin.PrincipalFrom(s.ctx)
		pg.Admin, pg.CSRF = &a, s.csrf
		pg.Writer = admin.RequireWriter(s.ctx) == nil
	}
	if pg.Flash == "" {
		pg.Flash = p.takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := p.pages.byName[name].ExecuteTemplate(&buf, "layout", pg); err != nil {
		p.log.ErrorContext(r.Context(), "admin panel page failed to render", "page", name, "error", err)
		http.Error(w, "the page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderError shows message on an error page with status.
func (p *Panel) renderError(w http.ResponseWriter, r *http.Request, status int, message string) {
	p.render(w, r, status, "error", page{Title: http.StatusText(status), Data: message})
}
