package adminweb

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// flashCookie carries a one-time message from an action to the page it redirects to ("User deactivated.").
const flashCookie = "homekeep_admin_flash"

// redirectWithFlash answers a successful form post: a 303 to the page to show next, which shows message once.
// htmx follows the redirect and swaps in the page, so the same handler serves both.
func (p *Panel) redirectWithFlash(w http.ResponseWriter, r *http.Request, to, message string) {
	if !strings.HasPrefix(to, Prefix+"/") || strings.HasPrefix(to, "//") {
		to = Prefix + "/" // only ever a page of the panel
	}
	//nolint:gosec // G124: Secure whenever the panel is reached over https (see Panel.secure)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(message)),
		Path: Prefix, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: p.secure(r)})
	http.Redirect(w, r, to, http.StatusSeeOther) //nolint:gosec // G710: to is a path of the panel, checked above
}

// takeFlash returns the pending flash message, if any, and clears it so it shows once.
func (p *Panel) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	p.clearCookie(w, r, flashCookie)
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return ""
	}
	return string(b)
}
