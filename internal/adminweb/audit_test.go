package adminweb_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// auditRows returns the rows of the audit page's table.
func auditRows(t *testing.T, body string) []string {
	t.Helper()
	_, tbody, ok := strings.Cut(body, "<tbody>")
	require.True(t, ok, "the page has a table:\n%s", body)
	tbody, _, _ = strings.Cut(tbody, "</tbody>")
	return strings.Split(tbody, "<tr>")[1:]
}

var nextLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// TestAuditPage: the changes made through the panel and the API are listed newest first with who, what and
// the target; filters narrow the list and the total; the pager walks past the first page; before and after
// are pretty-printed JSON with their text escaped; a malformed filter is shown next to its field.
func TestAuditPage(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	a := inst.SignInAdmin(t, "admin")
	v := inst.SignInAdmin(t, "viewer")
	b := newBrowser(t, inst)
	csrf := b.signIn(a)

	// 26 changes through the panel (more than a page), then one through the API whose text needs escaping.
	for i := range 26 {
		on := "on"
		if i%2 == 1 {
			on = "off"
		}
		r := b.do(http.MethodPost, "/admin/settings/limitations", url.Values{"csrf_token": {csrf}, "limitations_enabled": {on}}, nil)
		require.Equal(t, http.StatusSeeOther, r.status, r.body)
	}
	r := inst.DoAdmin(t, apptest.Request{Method: http.MethodPatch, Path: "/settings", Token: a.Token,
		Body: map[string]any{"upgrade_triggers": []map[string]any{{"key": "tasks", "title": `<b>Tom & "Jerry"</b>`, "body": ""}}}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	t.Run("FilteredByActionNewestFirstWithPager", func(t *testing.T) {
		vb := newBrowser(t, inst)
		vb.signIn(v) // every role reads the audit log
		page := vb.do(http.MethodGet, "/admin/audit?action=settings.update", nil, nil)
		require.Equal(t, http.StatusOK, page.status, page.body)
		require.Contains(t, page.body, "27 in all")
		rows := auditRows(t, page.body)
		require.Len(t, rows, 25, "a page")
		require.Contains(t, rows[0], "&lt;b&gt;Tom &amp; \\&#34;Jerry\\&#34;&lt;/b&gt;", "the newest first, escaped")
		require.Contains(t, rows[0], a.Email)
		require.Contains(t, rows[0], ">settings.update</a>")
		require.Contains(t, rows[0], `settings <a href="/admin/audit?target_type=settings&amp;target_id=app">app</a>`)
		require.Contains(t, rows[0], "<details><summary>Before</summary><pre>{\n  &#34;features&#34;:")
		require.NotContains(t, page.body, "<b>Tom", "JSON text is never markup")
		require.Contains(t, rows[1], "&#34;limitations_enabled&#34;: false", "the 26th toggle turned them off")
		require.Contains(t, rows[1], `<p class="changed">Changed: <code>limitations_enabled</code></p>`,
			"what differs between before and after is named")
		require.Contains(t, rows[0], `<p class="changed">Changed: <code>upgrade_triggers</code></p>`)

		m := nextLink.FindStringSubmatch(page.body)
		require.NotNil(t, m, "a next page")
		next := vb.do(http.MethodGet, strings.ReplaceAll(m[1], "&amp;", "&"), nil, nil)
		require.Equal(t, http.StatusOK, next.status, next.body)
		require.Len(t, auditRows(t, next.body), 2)
		require.Contains(t, next.body, "27 in all")
		require.Contains(t, next.body, `<a href="/admin/audit?action=settings.update">First page</a>`)
		require.NotRegexp(t, nextLink, next.body, "the last page")
	})

	t.Run("FiltersNarrowTheTotal", func(t *testing.T) {
		today := time.Now().UTC().Format(time.DateOnly)
		yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
		for name, c := range map[string]struct {
			query string
			total string
		}{
			"AdminAndTarget": {"admin=" + url.QueryEscape(strings.ToUpper(a.Email)) + "&target_type=settings&target_id=app", "27 in all"},
			"SignIns":        {"action=admin.sign_in&admin=" + url.QueryEscape(v.Email), "2 in all"}, // through the API and the sign-in form
			"SinceToday":     {"action=settings.update&since=" + today, "27 in all"},
			"UntilToday":     {"action=settings.update&until=" + today, "27 in all"},
			"UntilYesterday": {"action=settings.update&until=" + yesterday, "0 in all"},
			"NoSuchTargetID": {"target_id=nothing", "0 in all"},
		} {
			page := b.do(http.MethodGet, "/admin/audit?"+c.query, nil, nil)
			require.Equal(t, http.StatusOK, page.status, name)
			require.Contains(t, page.body, c.total, name)
		}
		page := b.do(http.MethodGet, "/admin/audit?target_id=nothing", nil, nil)
		require.Contains(t, page.body, "No entry matches.")
		require.Contains(t, page.body, `id="target_id" name="target_id" type="search" value="nothing"`, "the filter is kept")
	})

	t.Run("BadFilterShownNextToItsField", func(t *testing.T) {
		page := b.do(http.MethodGet, "/admin/audit?since=2026-13-45&until=soon&action="+strings.Repeat("x", 101), nil, nil)
		require.Equal(t, http.StatusBadRequest, page.status, page.body)
		require.Regexp(t, fieldErrorAfter("since", "must be a date (YYYY-MM-DD)"), page.body)
		require.Regexp(t, fieldErrorAfter("until", "must be a date (YYYY-MM-DD)"), page.body)
		require.Regexp(t, fieldErrorAfter("action", "must be at most 100 characters"), page.body)
		require.Contains(t, page.body, `value="2026-13-45"`, "what was typed is kept")
		require.NotContains(t, page.body, "<tbody>", "no list under a refused filter")

		page = b.do(http.MethodGet, "/admin/audit?cursor=abc", nil, nil)
		require.Equal(t, http.StatusBadRequest, page.status, page.body)
		require.Contains(t, page.body, `<span class="field-error" role="alert">is not a cursor this list gave out</span>`)
	})
}
