package adminweb_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// pageAudit is what TestEveryPageIsUsable finds wrong on one page.
type pageAudit struct {
	Heading    string   `json:"heading"`
	Unlabelled []string `json:"unlabelled"`
	Nameless   int      `json:"nameless"`
	Inline     int      `json:"inline"`
	Wide       string   `json:"wide"`
}

// auditScript lists, on the current page: its h1; the form controls a person cannot tell apart (no label, no
// aria-label); buttons and links with no text; inline scripts and style attributes (which the policy would
// block); and, when the page is wider than the window, the first elements that stick out (tables scroll
// inside .scroll).
const auditScript = `(() => {
  const visible = e => e.type !== "hidden" && !e.closest("noscript");
  const controls = [...document.querySelectorAll("input, select, textarea")].filter(visible);
  return {
    heading: (document.querySelector("h1") || {}).textContent || "",
    unlabelled: controls.filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label"))
      .map(e => e.name || e.id || e.outerHTML.slice(0, 80)),
    nameless: [...document.querySelectorAll("button, a")].filter(e => !e.textContent.trim() && !e.getAttribute("aria-label")).length,
    inline: document.querySelectorAll("script:not([src]), [style]").length,
    wide: document.documentElement.scrollWidth > window.innerWidth + 1 ?
      [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .map(e => e.tagName + "." + e.className).slice(0, 5).join(" ") : "",
  };
})()`

// TestEveryPageIsUsable opens every page of the panel as an owner, at desktop and at phone width, and checks
// that each has a heading, a label on every control, text on every button and link, nothing inline that the
// policy would block, and no sideways scrolling of the page itself at 390 px.
func TestEveryPageIsUsable(t *testing.T) {
	t.Parallel()
	ctx := startChromium(t)
	inst := apptest.Start(t, apptest.Options{})
	owner := inst.SignInAdmin(t, "owner")
	user := inst.Register(t)
	home := apptest.CreateResidence(t, inst, user, "Home")
	task := apptest.CreateTask(t, inst, user, map[string]any{"residence_id": home, "title": "Clean the gutters"})
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(inst.URL+"/admin/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), owner.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.AdminPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS(".who")),
	))
	pages := []string{"/admin/", "/admin/users", "/admin/users/" + id(user.ID), "/admin/residences",
		"/admin/residences/" + id(home), "/admin/tasks", "/admin/tasks/" + id(task),
		"/admin/lookups/residence_types", "/admin/lookups/task_categories", "/admin/lookups/task_priorities",
		"/admin/lookups/task_frequencies", "/admin/lookups/contractor_specialties", "/admin/templates",
		"/admin/templates/new", "/admin/settings", "/admin/jobs", "/admin/audit", "/admin/admins",
		"/admin/users/" + id(user.ID) + "/delete", "/admin/login"}
	for _, width := range []int64{1280, 390} {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)))
		for _, path := range pages {
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(inst.URL+path), chromedp.WaitReady(chromedp.CSS("h1"))))
			got, err := chromedp.Run(ctx, chromedp.Evaluate[pageAudit](auditScript))
			require.NoError(t, err, path)
			if got.Wide != "" {
				// Measured once mid-reflow after the viewport changed (the page then fit): measure again once
				// layout has settled; a page that really overflows still does.
				time.Sleep(300 * time.Millisecond)
				got, err = chromedp.Run(ctx, chromedp.Evaluate[pageAudit](auditScript))
				require.NoError(t, err, path)
			}
			require.NotEmpty(t, got.Heading, "%s at %d px: a heading", path, width)
			require.Empty(t, got.Unlabelled, "%s at %d px: controls without a label", path, width)
			require.Zero(t, got.Nameless, "%s at %d px: buttons or links without text", path, width)
			require.Zero(t, got.Inline, "%s at %d px: inline script or style", path, width)
			require.Empty(t, got.Wide, "%s at %d px: the page scrolls sideways because of these elements", path, width)
		}
	}
}
