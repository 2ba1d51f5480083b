package adminweb_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apitest"
	"github.com/homekeep/homekeep/internal/apptest"
)

// browser is a cookie-keeping client that does not follow redirects, so tests see each answer.
type browser struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newBrowser(t *testing.T, inst *apptest.Instance) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	// Error pages are checked like the API's error bodies: no driver error, SQL or stack trace (issue 19).
	return &browser{t: t, base: inst.URL, hc: &http.Client{Jar: jar, Transport: apitest.NewErrorBodyTransport(t, nil),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values, header map[string]string) answer {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.base+path, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.hc.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// formToken returns the CSRF token a page's forms carry.
func formToken(t *testing.T, body string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(body)
	require.NotNil(t, m, "the page has no CSRF field:\n%s", body)
	return m[1]
}

// signIn signs a in through the sign-in form and returns the CSRF token of the signed-in pages.
func (b *browser) signIn(a apptest.AdminAccount) string {
	b.t.Helper()
	login := b.do(http.MethodGet, "/admin/login", nil, nil)
	require.Equal(b.t, http.StatusOK, login.status)
	r := b.do(http.MethodPost, "/admin/login", url.Values{"email": {a.Email}, "password": {apptest.AdminPassword},
		"csrf_token": {formToken(b.t, login.body)}}, nil)
	require.Equal(b.t, http.StatusSeeOther, r.status, r.body)
	home := b.do(http.MethodGet, "/admin/", nil, nil)
	require.Equal(b.t, http.StatusOK, home.status)
	require.Contains(b.t, home.body, a.Email)
	return formToken(b.t, home.body)
}

// TestPanelSecurityHeaders: every panel answer, signed in or not, page or error, forbids caching and framing
// and carries a policy that allows no inline script.
func TestPanelSecurityHeaders(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	b := newBrowser(t, inst)
	a := inst.SignInAdmin(t, "admin")
	check := func(name string, r answer) {
		t.Helper()
		require.Equal(t, "no-store", r.header.Get("Cache-Control"), name)
		require.Equal(t, "DENY", r.header.Get("X-Frame-Options"), name)
		require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"), name)
		csp := r.header.Get("Content-Security-Policy")
		require.Contains(t, csp, "script-src 'self';", name)
		require.Contains(t, csp, "frame-ancestors 'none'", name)
		require.NotContains(t, csp, "unsafe-inline", name)
	}
	check("sign-in page", b.do(http.MethodGet, "/admin/login", nil, nil))
	r := b.do(http.MethodGet, "/admin/", nil, nil)
	require.Equal(t, http.StatusSeeOther, r.status, "no session: to the sign-in page")
	require.Equal(t, "/admin/login", r.header.Get("Location"))
	check("redirect", r)
	check("unknown page", b.do(http.MethodGet, "/admin/no-such-page", nil, nil))
	b.signIn(a)
	home := b.do(http.MethodGet, "/admin/", nil, nil)
	check("dashboard", home)
	require.NotContains(t, home.body, "<script>", "no inline script")
	js := b.do(http.MethodGet, "/admin/assets/htmx.min.js", nil, nil)
	require.Equal(t, http.StatusOK, js.status)
	require.True(t, strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript"))
}

// TestPanelSession: the sign-in form sets an HttpOnly, SameSite=Lax session cookie scoped to /admin; a wrong
// password shows the error on the form; a post without the session's CSRF token (form field or htmx header)
// is refused and changes nothing; sign-out revokes the admin token itself.
func TestPanelSession(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	a := inst.SignInAdmin(t, "owner")

	t.Run("SignInFormNeedsItsOwnToken", func(t *testing.T) {
		b := newBrowser(t, inst)
		r := b.do(http.MethodPost, "/admin/login", url.Values{"email": {a.Email}, "password": {apptest.AdminPassword}}, nil)
		require.Equal(t, http.StatusForbidden, r.status)
		require.Equal(t, http.StatusSeeOther, b.do(http.MethodGet, "/admin/", nil, nil).status, "still signed out")
	})
	t.Run("WrongPasswordShowsTheError", func(t *testing.T) {
		b := newBrowser(t, inst)
		login := b.do(http.MethodGet, "/admin/login", nil, nil)
		r := b.do(http.MethodPost, "/admin/login", url.Values{"email": {a.Email}, "password": {"wrong password"},
			"csrf_token": {formToken(t, login.body)}}, nil)
		require.Equal(t, http.StatusUnauthorized, r.status)
		require.Contains(t, r.body, "The email or password is wrong.")
		require.Contains(t, r.body, `value="`+a.Email+`"`, "the email is kept in the form")
		for _, c := range r.header.Values("Set-Cookie") {
			require.False(t, strings.HasPrefix(c, "homekeep_admin="), "no session on a failed sign-in: %s", c)
		}
	})
	t.Run("CookieAndCSRF", func(t *testing.T) {
		b := newBrowser(t, inst)
		login := b.do(http.MethodGet, "/admin/login", nil, nil)
		r := b.do(http.MethodPost, "/admin/login", url.Values{"email": {a.Email}, "password": {apptest.AdminPassword},
			"csrf_token": {formToken(t, login.body)}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status)
		var session string
		for _, c := range r.header.Values("Set-Cookie") {
			if strings.HasPrefix(c, "homekeep_admin=") {
				session = c
			}
		}
		require.NotEmpty(t, session)
		require.Contains(t, session, "HttpOnly")
		require.Contains(t, session, "SameSite=Lax")
		require.Contains(t, session, "Path=/admin")
		require.NotContains(t, session, "Secure", "plain HTTP with an http PUBLIC_URL")

		home := b.do(http.MethodGet, "/admin/", nil, nil)
		token := formToken(t, home.body)
		require.Contains(t, home.body, `hx-headers='{"X-CSRF-Token": "`+token+`"}'`, "htmx requests carry the token")

		for name, try := range map[string]struct {
			form   url.Values
			header map[string]string
		}{
			"NoToken":        {form: url.Values{}},
			"WrongToken":     {form: url.Values{"csrf_token": {"not-the-token"}}},
			"WrongHtmxToken": {form: url.Values{}, header: map[string]string{"X-CSRF-Token": "x" + token}},
		} {
			r := b.do(http.MethodPost, "/admin/logout", try.form, try.header)
			require.Equal(t, http.StatusForbidden, r.status, name)
			require.Equal(t, http.StatusOK, b.do(http.MethodGet, "/admin/", nil, nil).status, "%s: still signed in", name)
		}
		r = b.do(http.MethodPost, "/admin/logout", url.Values{}, map[string]string{"X-CSRF-Token": token})
		require.Equal(t, http.StatusSeeOther, r.status, "the htmx header is accepted")
		require.Equal(t, http.StatusSeeOther, b.do(http.MethodGet, "/admin/", nil, nil).status, "signed out")

		// The token itself is revoked: the admin API refuses it too.
		var cookieToken string
		for _, part := range strings.Split(session, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(part), "homekeep_admin="); ok {
				cookieToken = v
			}
		}
		me := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: cookieToken})
		require.Equal(t, http.StatusUnauthorized, me.Status)
	})
}

// TestDashboardShowsTheAPIsNumbers: the dashboard page shows what GET /api/admin/dashboard answers.
func TestDashboardShowsTheAPIsNumbers(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	inst.Register(t)
	inst.Register(t)
	a := inst.SignInAdmin(t, "viewer")
	b := newBrowser(t, inst)
	b.signIn(a)

	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/dashboard", Token: a.Token})
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	var d struct {
		Users struct {
			Total int64 `json:"total"`
		} `json:"users"`
		Residences int64 `json:"residences"`
	}
	r.JSON(t, &d)
	require.EqualValues(t, 2, d.Users.Total)
	page := b.do(http.MethodGet, "/admin/", nil, nil)
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.body, `<span class="n">2</span> users`)
	require.Contains(t, page.body, `<span class="n">0</span> residences`)
}

// TestPanelSignInIsRateLimited: the sign-in form goes through the admin API's limit, so after the allowed
// attempts even the right password is refused with 429 and a message saying to wait.
func TestPanelSignInIsRateLimited(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true, Configure: apptest.AuthRateLimit(3)})
	a := inst.SignInAdmin(t, "admin") // one attempt
	b := newBrowser(t, inst)
	attempt := func(password string) answer {
		login := b.do(http.MethodGet, "/admin/login", nil, nil)
		return b.do(http.MethodPost, "/admin/login", url.Values{"email": {a.Email}, "password": {password},
			"csrf_token": {formToken(t, login.body)}}, nil)
	}
	require.Equal(t, http.StatusUnauthorized, attempt("wrong 1").status)
	require.Equal(t, http.StatusUnauthorized, attempt("wrong 2").status)
	r := attempt(apptest.AdminPassword)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	require.Contains(t, r.body, "Too many sign-in attempts")
	require.Equal(t, http.StatusSeeOther, b.do(http.MethodGet, "/admin/", nil, nil).status, "not signed in")
}
