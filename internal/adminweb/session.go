package adminweb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

const (
	// sessionCookie holds the admin token of a signed-in browser.
	sessionCookie = "homekeep_admin"
	// loginCSRFCookie holds the random value the sign-in form must echo (double submit), since there is no
	// session yet to derive a token from.
	loginCSRFCookie = "homekeep_admin_login"
	// csrfField and csrfHeader carry the CSRF token of a form post and of an htmx request.
	csrfField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
)

// csrfToken derives a session's CSRF token from its admin token: only a page rendered for that session knows
// it, and it needs no storage. It is not the token itself, so a leaked page does not leak the session.
func csrfToken(sessionToken string) string {
	sum := sha256.Sum256([]byte("homekeep admin csrf\x00" + sessionToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validCSRF reports whether r carries want as its CSRF token, in the form or in the htmx header.
func validCSRF(r *http.Request, want string) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// session is a signed-in browser: the context carries the admin (admin.PrincipalFrom), token its admin token.
type session struct {
	ctx   context.Context
	token string
	csrf  string
}

// authenticate checks the session cookie the same way the admin API checks a bearer token.
func (p *Panel) authenticate(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return session{}, false
	}
	ctx, err := p.admin.HandleBearerAuth(r.Context(), adminoas.AdminMeOperation, adminoas.BearerAuth{Token: c.Value})
	if err != nil {
		return session{}, false
	}
	return session{ctx: ctx, token: c.Value, csrf: csrfToken(c.Value)}, true
}

// secure reports whether cookies must be Secure: the request came over TLS, a trusted proxy said https, or
// the operator configured it.
func (p *Panel) secure(r *http.Request) bool {
	return p.secureCookies || r.TLS != nil
}

func (p *Panel) setSession(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	//nolint:gosec // G124: Secure whenever the panel is reached over https (see secure); plain-HTTP localhost must work
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: Prefix, Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: p.secure(r)})
}

func (p *Panel) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	//nolint:gosec // G124: as setSession
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: p.secure(r)})
}
