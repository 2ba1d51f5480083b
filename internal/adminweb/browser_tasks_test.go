package adminweb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// signInInBrowser signs a in through the panel's form in the browser of ctx and lands on the dashboard.
func signInInBrowser(t *testing.T, ctx context.Context, inst *apptest.Instance, a apptest.AdminAccount) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(inst.URL+"/admin/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), a.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.AdminPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS(".who")),
	), "signing in as %s", a.Role)
}

// TestTasksInBrowser: in headless Chromium an admin clicks a task's in-progress checkbox on the tasks page;
// htmx posts it and swaps in the server's row, and the app API then has the task in progress. A viewer, in a
// browser context of its own, sees the checkbox disabled, finds no write button on a user's page, and a post
// it crafts with the page's own CSRF token is refused (403) and changes nothing. The users page (at desktop
// and phone width) and the tasks page are saved.
func TestTasksInBrowser(t *testing.T) {
	t.Parallel()
	ctx := startChromium(t)
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	h := apptest.NewHousehold(t, inst)
	taskID := apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Service the boiler"})
	apptest.CreateTask(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Clear the gutters"})
	apptest.CreateTask(t, inst, h.Editor, map[string]any{"residence_id": h.ResidenceID, "title": "Test the smoke alarms"})
	row := fmt.Sprintf("#task-%d", taskID)
	box := row + ` input[type="checkbox"]`

	signInInBrowser(t, ctx, inst, inst.SignInAdmin(t, "admin"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(inst.URL+"/admin/tasks"),
		chromedp.WaitVisible(chromedp.CSS(box)),
		chromedp.Click(chromedp.CSS(box)),
		chromedp.WaitVisible(chromedp.CSS(row+" .saved")),
	), "clicking the in-progress checkbox")
	saved, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+" .saved")))
	require.NoError(t, err)
	require.Equal(t, "In progress: Service the boiler.", saved, "the row the server rendered")
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q).checked`, box)))
	require.NoError(t, err)
	require.True(t, checked)
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	require.NoError(t, err)
	require.Equal(t, "Tasks", heading, "the row was swapped in place, the page stayed")
	require.True(t, apptest.GetTask(t, inst, h.Owner, taskID).InProgress, "the app API has the task in progress")
	screenshot(t, ctx, 1280, "admin-tasks.png")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(inst.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(".pager")),
	))
	pagerText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".pager")))
	require.NoError(t, err)
	require.Contains(t, pagerText, "4 in all")
	screenshot(t, ctx, 1280, "admin-users.png")
	screenshot(t, ctx, 390, "admin-users-390.png")

	// The viewer signs in in a fresh browser context: no cookies of the admin's.
	viewerCtx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	signInInBrowser(t, viewerCtx, inst, inst.SignInAdmin(t, "viewer"))
	require.NoError(t, chromedp.Do(viewerCtx,
		chromedp.Navigate(inst.URL+"/admin/tasks"),
		chromedp.WaitVisible(chromedp.CSS(box)),
	))
	disabled, err := chromedp.Run(viewerCtx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q).disabled`, box)))
	require.NoError(t, err)
	require.True(t, disabled, "a viewer's checkbox is disabled")
	forms, err := chromedp.Run(viewerCtx, chromedp.Evaluate[int](`document.querySelectorAll("main form[method=post]").length`))
	require.NoError(t, err)
	require.Zero(t, forms, "no write form on the tasks page for a viewer")

	require.NoError(t, chromedp.Do(viewerCtx,
		chromedp.Navigate(fmt.Sprintf("%s/admin/users/%d", inst.URL, h.Editor.ID)),
		chromedp.WaitVisible(chromedp.CSS("main h2")),
	))
	buttons, err := chromedp.Run(viewerCtx, chromedp.Evaluate[int](`document.querySelectorAll("main button, main form").length`))
	require.NoError(t, err)
	require.Zero(t, buttons, "no write button on a user's page for a viewer")

	// A post the viewer crafts with the page's CSRF token (the sign-out form's) is refused all the same.
	post := func(path, fields string) int {
		t.Helper()
		status, err := chromedp.Run(viewerCtx, chromedp.Evaluate[int](fmt.Sprintf(`fetch(%q, {method: "POST",
			headers: {"Content-Type": "application/x-www-form-urlencoded"},
			body: "csrf_token=" + encodeURIComponent(document.querySelector("input[name=csrf_token]").value) + %q,
		}).then(r => r.status)`, path, fields), chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		return status
	}
	require.Equal(t, 403, post(fmt.Sprintf("/admin/users/%d/deactivate", h.Editor.ID), ""), "deactivating a user")
	require.Equal(t, 403, post(fmt.Sprintf("/admin/tasks/%d/in-progress", taskID), ""), "clearing in progress")
	require.Equal(t, 200, apptest.Me(t, inst, h.Editor.Token).Status, "the user is still active")
	require.True(t, apptest.GetTask(t, inst, h.Owner, taskID).InProgress, "the task is still in progress")
}
