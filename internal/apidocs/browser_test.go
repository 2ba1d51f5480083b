package apidocs

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/api"
)

// chromiumNames are the names a Chromium binary goes by: Debian's package (chromium), other distributions'
// and Google's builds.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// chromiumTimeout bounds the Chromium run; rendering the reference takes a few seconds on a busy 2-core box.
const chromiumTimeout = 90 * time.Second

// TestDocsRenderOffline opens /docs in headless Chromium with every request that leaves the test server sent
// to a trap that refuses it, and checks that Redoc rendered the whole reference (every operation's summary
// is on the page) without asking the network for anything: no CDN, no web font, no telemetry. It saves a
// screenshot of the page as a test artifact: under $HOMEKEEP_ARTIFACTS when set, otherwise in the test's
// artifact directory (kept with `go test -artifacts`). Chromium comes from Debian's chromium package; without
// it the test skips.
func TestDocsRenderOffline(t *testing.T) {
	t.Parallel()
	chromium := findChromium()
	if chromium == "" {
		t.Skipf("no Chromium binary found (looked for %s on PATH); install Debian's chromium package "+
			"(apt-get install -y chromium) to run this test", strings.Join(chromiumNames, ", "))
	}
	srv := newDocsServer(t)
	trap := newNetworkTrap(t)
	shot := filepath.Join(artifactDir(t), "docs.png")
	netLog := filepath.Join(t.TempDir(), "netlog.json")

	ctx, cancel := context.WithTimeout(t.Context(), chromiumTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(),
		// Everything but the test server (loopback, which Chromium never proxies) goes to the trap, so nothing
		// leaves the machine; the net log says which requests the page made.
		"--proxy-server="+trap.URL,
		"--log-net-log="+netLog,
		"--enable-logging=stderr", "--v=0",
		// The load event fires before Redoc has fetched the spec and rendered it; virtual time runs the page
		// until it is idle (network included), up to this budget, before the DOM is dumped and captured.
		"--virtual-time-budget=30000",
		"--window-size=1280,1600", "--hide-scrollbars",
		"--dump-dom", "--screenshot="+shot,
		srv.URL+PathDocs)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "chromium failed; stderr:\n%s", stderr.String())

	info, err := os.Stat(shot)
	require.NoError(t, err, "chromium wrote no screenshot; stderr:\n%s", stderr.String())
	require.Positive(t, info.Size())
	t.Logf("screenshot of /docs: %s", shot)

	dom := stdout.String()
	for _, want := range operationTitles(t) {
		require.Contains(t, dom, want, "the rendered reference lacks an operation's title")
	}
	require.NotContains(t, dom, "Something went wrong", "Redoc reported an error instead of the reference")
	for _, msg := range consoleMessages(stderr.String()) {
		require.NotContains(t, msg, "Uncaught", "the page threw")
		if strings.Contains(msg, "Content Security Policy") {
			// The one thing the policy is there to stop: Redoc's sidebar logo from Redocly's CDN.
			require.Contains(t, msg, "https://cdn.redoc.ly/", "the page's policy blocked something Redoc needs")
		}
	}

	for _, req := range pageRequests(t, netLog, srv.URL) {
		require.True(t, strings.HasPrefix(req, srv.URL+"/") || strings.HasPrefix(req, "blob:"+srv.URL+"/"),
			"the page asked for %s, which is not on the server", req)
	}
	if seen := trap.requests(); len(seen) > 0 {
		t.Logf("Chromium's own services tried the network (refused): %s", strings.Join(seen, ", "))
	}
}

// findChromium returns the path of the first Chromium binary on PATH, or "" when there is none.
func findChromium() string {
	for _, name := range chromiumNames {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// artifactDir is where the test leaves files for a person to look at: $HOMEKEEP_ARTIFACTS (made if needed)
// when set, otherwise the test's own artifact directory.
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

// operationTitles returns what Redoc titles each operation with: its summary, else its operationId.
func operationTitles(t *testing.T) []string {
	t.Helper()
	spec, err := openapi3.NewLoader().LoadFromData([]byte(api.OpenAPIYAML))
	require.NoError(t, err)
	var titles []string
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			title := op.Summary
			if title == "" {
				title = op.OperationID
			}
			// Redoc writes the title as HTML text; compare it the same way.
			titles = append(titles, htmlText(title))
		}
	}
	require.NotEmpty(t, titles, "the spec has no operations")
	return titles
}

// htmlText escapes s as the DOM serialises text.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// networkTrap is an HTTP proxy that refuses every request and remembers what was asked of it: the browser
// sends it everything bound beyond the machine (CONNECT host:443 for HTTPS, the absolute URL for HTTP).
type networkTrap struct {
	URL  string
	mu   sync.Mutex
	seen []string
}

// consoleMessages picks the page's console messages out of Chromium's log (--enable-logging=stderr).
func consoleMessages(log string) []string {
	var msgs []string
	for line := range strings.Lines(log) {
		if strings.Contains(line, ":CONSOLE") {
			msgs = append(msgs, strings.TrimSpace(line))
		}
	}
	return msgs
}

// pageRequests reads a Chromium net log and returns the URL of every request the page at origin made
// (the log names the initiating origin; the browser's own requests have none).
func pageRequests(t *testing.T, netLog, origin string) []string {
	t.Helper()
	data, err := os.ReadFile(netLog)
	require.NoError(t, err, "chromium wrote no net log")
	var log struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int `json:"type"`
			Params struct {
				URL       string `json:"url"`
				Initiator string `json:"initiator"`
			} `json:"params"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal(data, &log), "the net log is not JSON")
	start, ok := log.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	require.True(t, ok, "the net log does not name URL_REQUEST_START_JOB")
	var urls []string
	for _, e := range log.Events {
		if e.Type == start && e.Params.Initiator == origin {
			urls = append(urls, e.Params.URL)
		}
	}
	require.Contains(t, urls, origin+PathJSON, "the net log shows no request for the spec: is it the right log?")
	return urls
}

func newNetworkTrap(t *testing.T) *networkTrap {
	t.Helper()
	trap := &networkTrap{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Method + " " + r.Host
		if r.Method != http.MethodConnect {
			target = r.Method + " " + r.URL.String()
		}
		trap.mu.Lock()
		trap.seen = append(trap.seen, target)
		trap.mu.Unlock()
		http.Error(w, "no network in this test", http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	trap.URL = srv.URL
	return trap
}

func (trap *networkTrap) requests() []string {
	trap.mu.Lock()
	defer trap.mu.Unlock()
	return append([]string(nil), trap.seen...)
}
