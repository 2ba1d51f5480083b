package adminweb

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

type sessionKey struct{}

// requireSession lets a signed-in admin through, with the session in the context. A page request without
// one goes to the sign-in page; a post without one, or without the session's CSRF token, is refused.
func (p *Panel) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := p.authenticate(r)
		if !ok {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
				return
			}
			p.renderError(w, r, http.StatusUnauthorized, "Your session has ended. Sign in again.")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !validCSRF(r, s.csrf) {
			p.renderError(w, r, http.StatusForbidden, "The form was out of date (its security token did not match). Reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(s.ctx, sessionKey{}, s)))
	})
}

func sessionFrom(r *http.Request) session {
	s, _ := r.Context().Value(sessionKey{}).(session)
	return s
}

// loginForm is what the sign-in page shows.
type loginForm struct {
	Email string
	Error string
	CSRF  string
}

func (p *Panel) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.authenticate(r); ok {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return
	}
	p.renderLogin(w, r, http.StatusOK, loginForm{})
}

// renderLogin shows the sign-in form with a fresh double-submit CSRF value in a cookie and in the form.
func (p *Panel) renderLogin(w http.ResponseWriter, r *http.Request, status int, f loginForm) {
	f.CSRF = randomToken()
	//nolint:gosec // G124: Secure whenever the panel is reached over https (see Panel.secure)
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: f.CSRF, Path: Prefix + "/login",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: p.secure(r)})
	p.render(w, r, status, "login", page{Title: "Sign in", Data: f})
}

// login signs in through the admin API's code (same rate limit, same audit row, same token).
func (p *Panel) login(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || c.Value == "" || r.PostFormValue(csrfField) != c.Value {
		p.renderLogin(w, r, http.StatusForbidden, loginForm{Error: "The sign-in form was out of date. Try again."})
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	res, err := p.admin.AdminLogin(r.Context(), &adminoas.AdminLoginRequest{Email: email, Password: r.PostFormValue("password")})
	if err != nil {
		e := apierror.From(err)
		msg := "The email or password is wrong."
		switch {
		case e.Status == http.StatusTooManyRequests:
			msg = "Too many sign-in attempts. Wait a minute and try again."
		case e.Status >= http.StatusInternalServerError:
			p.log.ErrorContext(r.Context(), "admin panel sign-in failed", "error", err)
			msg = "Signing in failed on the server. Try again."
		}
		p.renderLogin(w, r, e.Status, loginForm{Email: email, Error: msg})
		return
	}
	ok, isOK := res.(*adminoas.AdminLoginResponse)
	if !isOK {
		p.renderLogin(w, r, http.StatusInternalServerError, loginForm{Email: email, Error: "Signing in failed on the server. Try again."})
		return
	}
	p.clearCookie(w, r, loginCSRFCookie)
	p.setSession(w, r, ok.Token, ok.ExpiresAt)
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}

func (p *Panel) logout(w http.ResponseWriter, r *http.Request) {
	if _, err := p.admin.AdminLogout(r.Context()); err != nil && !errors.Is(err, context.Canceled) {
		p.log.WarnContext(r.Context(), "admin panel sign-out failed", "error", err)
	}
	p.clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}
