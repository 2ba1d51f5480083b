// Package adminweb is the admin panel at /admin: server-rendered HTML pages (html/template) for operators, on
// top of the admin API's application code (internal/app/admin), so the panel and the API share every rule,
// role check and audit row. htmx (vendored under assets/, embedded) turns forms into partial updates where it
// helps; every page reads without JavaScript.
//
// A sign-in stores the admin token from admin.Handler.AdminLogin in an HttpOnly, SameSite=Lax session cookie
// (Secure over TLS or when configured). Every POST carries a CSRF token derived from the session (a form field
// or htmx's X-CSRF-Token header), every response forbids caching and framing, and the Content-Security-Policy
// allows no inline script.
package adminweb
