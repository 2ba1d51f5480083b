package adminweb

import (
	"embed"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/homekeep/homekeep/internal/app/admin"
)

// Prefix is where the panel is mounted.
const Prefix = "/admin"

//go:embed assets/htmx.min.js assets/admin.css
var assets embed.FS

// Deps are what the panel needs.
type Deps struct {
	// Admin is the admin API's application code: the panel signs in, authenticates and acts through it.
	Admin  *admin.Handler
	Logger *slog.Logger
	// SecureCookies sets Secure on the panel's cookies even for plain-HTTP requests, for a server behind a
	// proxy that terminates TLS. Requests that arrive over TLS get it anyway.
	SecureCookies bool
}

// Panel serves the admin web pages.
type Panel struct {
	admin         *admin.Handler
	log           *slog.Logger
	secureCookies bool
	pages         *pages
}

// New returns the panel; it fails only when a template does not parse (every test would see that).
func New(d Deps) (*Panel, error) {
	pg, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("error parsing the admin panel's templates: %w", err)
	}
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Panel{admin: d.Admin, log: log, secureCookies: d.SecureCookies, pages: pg}, nil
}

// Handler returns the panel's routes, to be mounted at Prefix.
func (p *Panel) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(secureHeaders)
	r.Get("/assets/{name}", serveAsset)
	r.Get("/login", p.loginPage)
	r.Post("/login", p.login)
	r.Group(func(r chi.Router) {
		r.Use(p.requireSession)
		r.Get("/", p.dashboardPage)
		r.Post("/logout", p.logout)
		r.Get("/jobs", p.jobsPage)
		r.Get("/users", p.usersPage)
		r.Get("/users/{id}", p.userPage)
		r.Get("/users/{id}/delete", p.confirmUserDelete)
		r.Post("/users/{id}/{action}", p.userAction)
		r.Get("/lookups", p.lookupsPage)
		r.Get("/lookups/{kind}", p.lookupsPage)
		r.Post("/lookups/{kind}", p.createLookup)
		r.Get("/lookups/{kind}/{id}", p.lookupPage)
		r.Get("/lookups/{kind}/{id}/delete", p.confirmLookupDelete)
		r.Post("/lookups/{kind}/{id}", p.lookupAction)
		r.Post("/lookups/{kind}/{id}/{action}", p.lookupAction)
		r.Get("/residences", p.residencesPage)
		r.Get("/residences/{id}", p.residencePage)
		r.Get("/residences/{id}/delete", p.confirmResidenceDelete)
		r.Post("/residences/{id}/delete", p.deleteResidence)
		r.Get("/tasks", p.tasksPage)
		r.Get("/tasks/{id}", p.taskPage)
		r.Get("/tasks/{id}/delete", p.confirmTaskDelete)
		r.Post("/tasks/{id}/delete", p.deleteTask)
		r.Post("/tasks/{id}/in-progress", p.setTaskInProgress)
		r.Get("/templates", p.taskTemplatesPage)
		r.Get("/templates/new", p.newTaskTemplatePage)
		r.Post("/templates", p.createTaskTemplate)
		r.Get("/templates/{id}", p.taskTemplatePage)
		r.Get("/templates/{id}/delete", p.confirmTaskTemplateDelete)
		r.Post("/templates/{id}", p.taskTemplateAction)
		r.Post("/templates/{id}/{action}", p.taskTemplateAction)
		r.Get("/settings", p.settingsPage)
		r.Get("/settings/clear-cache", p.confirmClearCache)
		r.Post("/settings/{section}", p.settingsAction)
		r.Get("/audit", p.auditPage)
		r.Get("/admins", p.adminsPage)
		r.Get("/admins/{id}/{action}", p.confirmAdminAction)
		r.Post("/admins/{id}/{action}", p.adminAction)
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		p.renderError(w, r, http.StatusNotFound, "There is no such page.")
	})
	return r
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "name")
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch name {
	case "htmx.min.js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case "admin.css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	_, _ = w.Write(b) //nolint:gosec // G705: an embedded file of ours, served with its own content type
}
