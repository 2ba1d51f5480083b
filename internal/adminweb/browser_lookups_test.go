package adminweb_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestLookupsInBrowser: in headless Chromium an admin signs in through the form, adds a task category on the
// lookups page (the apps' static data then has it, with a new ETag) and moves a priority up with its button
// (the API's order changes); the lookups page is saved at desktop and phone width.
func TestLookupsInBrowser(t *testing.T) {
	t.Parallel()
	ctx := startChromium(t)
	inst := apptest.Start(t, apptest.Options{})
	a := inst.SignInAdmin(t, "admin")
	user := inst.Register(t)
	_, etagBefore := staticData(t, inst, user.Token)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(inst.URL+"/admin/lookups"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), a.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.AdminPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS(".who")),
		chromedp.Navigate(inst.URL+"/admin/lookups/task_categories"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Boats"),
		chromedp.SendKeys(chromedp.CSS("#icon"), "ship"),
		chromedp.SendKeys(chromedp.CSS("#color"), "#0ea5e9"),
		chromedp.Click(chromedp.CSS("#lookup-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	), "adding a category through the form")
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash")))
	require.NoError(t, err)
	require.Equal(t, `Added the task category "Boats".`, flash)
	current, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.tabs a[aria-current="page"]`)))
	require.NoError(t, err)
	require.Equal(t, "Task categories", current)

	data, etagAfter := staticData(t, inst, user.Token)
	require.Contains(t, staticCategoryNames(data), "Boats", "the apps' static data has the new category")
	require.NotEqual(t, etagBefore, etagAfter, "with a new ETag")

	rows := apiLookups(t, inst, a.Token, "task_priorities")
	require.GreaterOrEqual(t, len(rows), 2)
	ids := lookupIDs(rows)
	up := fmt.Sprintf(`form[action="/admin/lookups/task_priorities/%d/move"] button[value="up"]`, ids[1])
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(inst.URL+"/admin/lookups/task_priorities"),
		chromedp.WaitVisible(chromedp.CSS(up)),
		chromedp.Click(chromedp.CSS(up)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	), "moving a priority up")
	want := append([]int64{ids[1], ids[0]}, ids[2:]...)
	require.Equal(t, want, lookupIDs(apiLookups(t, inst, a.Token, "task_priorities")), "the API's order")
	first, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table tbody tr:first-child td.name")))
	require.NoError(t, err)
	require.Equal(t, rows[1].Name, first, "the page shows the new order")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(inst.URL+"/admin/lookups/task_categories"),
		chromedp.WaitVisible(chromedp.CSS("#lookup-form")),
	))
	screenshot(t, ctx, 1280, "admin-lookups.png")
	screenshot(t, ctx, 390, "admin-lookups-390.png")
}
