package adminweb_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// chromiumNames are the names a Chromium binary goes by: Debian's package (chromium), other distributions'
// and Google's builds.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// browserTimeout bounds a browser test; a busy 2-core machine starts Chromium in a few seconds.
const browserTimeout = 2 * time.Minute

// startChromium starts headless Chromium for one test, or skips the test when there is none. .ci/run installs
// Debian's chromium package.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skipf("no Chromium binary found (looked for %s on PATH); install Debian's chromium package "+
			"(apt-get install -y chromium) to run this test", strings.Join(chromiumNames, ", "))
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-dev-shm-usage", true))
	// The browser lives as long as the context of its first run, which must carry no deadline; the actions
	// run under browserTimeout after it.
	ctx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	require.NoError(t, chromedp.Do(ctx), "starting Chromium")
	ctx, cancel := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(cancel)
	return ctx
}

// artifactDir is where screenshots go: $HOMEKEEP_ARTIFACTS (make test sets it to test-artifacts/, which CI
// keeps) when set, otherwise the test's own artifact directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HOMEKEEP_ARTIFACTS")
	if dir == "" {
		return t.ArtifactDir()
	}
	require.NoError(t, os.MkdirAll(dir, 0o750)) //nolint:gosec // G703: the directory the person running the tests named
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	return abs
}

// screenshot saves a full-page screenshot of the current page at width (CSS pixels) as name.
func screenshot(t *testing.T, ctx context.Context, width int64, name string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NotEmpty(t, png)
	path := filepath.Join(artifactDir(t), name)
	require.NoError(t, os.WriteFile(path, png, 0o600))
	t.Logf("screenshot: %s", path)
}

// TestPanelInBrowser signs in through the form in headless Chromium, with htmx loaded under the page's
// policy, and saves the dashboard at desktop and phone width.
func TestPanelInBrowser(t *testing.T) {
	t.Parallel()
	ctx := startChromium(t)
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	a := inst.SignInAdmin(t, "admin")
	for range 3 { // something to show on the dashboard's chart
		inst.Register(t)
	}

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(inst.URL+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), a.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.AdminPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS(".who")),
	))
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	require.NoError(t, err)
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".who")))
	require.NoError(t, err)
	htmxLoaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.htmx === "object"`))
	require.NoError(t, err)
	require.Equal(t, "Dashboard", heading)
	require.Contains(t, who, a.Email)
	require.True(t, htmxLoaded, "htmx loaded from /admin/assets under the Content-Security-Policy")
	screenshot(t, ctx, 1280, "admin-dashboard.png")
	screenshot(t, ctx, 390, "admin-dashboard-390.png")
}
