package adminweb_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestSettingsInBrowser: in headless Chromium an admin signs in through the form, turns limitations on from
// the settings page (the flash says so and the API shows it), and opens the audit log, which lists the change
// with its before and after; both pages are saved at desktop width.
func TestSettingsInBrowser(t *testing.T) {
	t.Parallel()
	ctx := startChromium(t)
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	a := inst.SignInAdmin(t, "admin")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(inst.URL+"/admin/settings"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), a.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.AdminPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS(".who")),
		chromedp.Navigate(inst.URL+"/admin/settings"),
		chromedp.WaitVisible(chromedp.CSS("#toggle-limitations")),
		chromedp.Click(chromedp.CSS("#toggle-limitations")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	), "turning limitations on through the form")
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash")))
	require.NoError(t, err)
	require.Equal(t, "Limitations are on: each tier's limits apply.", flash)
	button, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#toggle-limitations")))
	require.NoError(t, err)
	require.Equal(t, "Turn limitations off", button)
	s, _ := fetchAPISettings(t, inst, a.Token)
	require.True(t, s.LimitationsEnabled, "the API shows the change")
	screenshot(t, ctx, 1280, "admin-settings.png")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(inst.URL+"/admin/audit"),
		chromedp.WaitVisible(chromedp.CSS("table.audit")),
		chromedp.Click(chromedp.CSS("table.audit tbody tr:first-child details:last-of-type summary")),
		chromedp.WaitVisible(chromedp.CSS("table.audit tbody tr:first-child details[open] pre")),
	), "opening the newest entry's after")
	action, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.audit tbody tr:first-child td:nth-child(3)")))
	require.NoError(t, err)
	require.Equal(t, "settings.update", action, "the newest entry is the change")
	after, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.audit tbody tr:first-child details[open] pre")))
	require.NoError(t, err)
	require.Contains(t, after, `"limitations_enabled": true`)
	screenshot(t, ctx, 1280, "admin-audit.png")
}
