package sdktest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apitest"
	"github.com/homekeep/homekeep/internal/apptest"
)

// exampleTimeout bounds compiling and running the example; both take seconds on an idle machine.
const exampleTimeout = 3 * time.Minute

// householdResult is the line of JSON clients/typescript/examples/household.ts prints.
type householdResult struct {
	Email         string `json:"email"`
	UserID        int64  `json:"user_id"`
	ResidenceID   int64  `json:"residence_id"`
	TaskID        int64  `json:"task_id"`
	BoardColumn   string `json:"board_column"`
	BoardETag     string `json:"board_etag"`
	Revalidations []int  `json:"revalidations"`
	DocumentID    int64  `json:"document_id"`
	DocumentFile  *struct {
		FileName    string `json:"file_name"`
		ContentType string `json:"content_type"`
		SizeBytes   int64  `json:"size_bytes"`
		SHA256      string `json:"sha256"`
	} `json:"document_file"`
	CompletionID int64 `json:"completion_id"`
	// CompletionReplayed is whether the completion sent again with its Idempotency-Key came back replayed.
	CompletionReplayed bool `json:"completion_replayed"`
}

// TestHouseholdExample compiles the TypeScript SDK and its household example with tsc, runs the example with
// node against a fresh server (through a proxy that checks every request and response against the spec),
// and then checks through the API that what the example says it did is there: an account it can sign in to,
// a document whose file downloads, and the task's completion.
func TestHouseholdExample(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the TypeScript SDK example needs Node.js 18 or later on PATH")
	}
	ctx, cancel := context.WithTimeout(t.Context(), exampleTimeout)
	defer cancel()
	root := moduleRoot(t)
	built := compileSDK(ctx, t, node, root)

	inst := apptest.Start(t, apptest.Options{})
	out := runExample(ctx, t, node, filepath.Join(built, "examples", "household.js"), contractProxy(t, inst)+"/api")

	// The example revalidates the board until it gets 304, twice at most: the first board the server builds for
	// a caller it has not seen is tagged from its rows and the next from the residences' versions, so the first
	// If-None-Match may get the unchanged board again (200) with the tag that then answers 304.
	require.NotEmpty(t, out.Revalidations)
	require.Equal(t, http.StatusNotModified, out.Revalidations[len(out.Revalidations)-1],
		"revalidating the board with its ETag: %v", out.Revalidations)
	if len(out.Revalidations) > 1 {
		t.Logf("the board's first ETag did not revalidate (statuses %v): the server re-tagged an unchanged board", out.Revalidations)
	}
	require.NotEmpty(t, out.BoardETag)
	require.Equal(t, "upcoming", out.BoardColumn, "a task without a due date")
	require.NotNil(t, out.DocumentFile, "the uploaded document has no file: the upload was not sent as multipart")
	require.Equal(t, "smoke-alarm-receipt.pdf", out.DocumentFile.FileName)
	require.Equal(t, "application/pdf", out.DocumentFile.ContentType)

	// The example signs up with apptest's test password, so the test can sign in as the same user.
	auth := apptest.Expect[client.AuthResponse](t, inst,
		apptest.Post("/auth/login", map[string]any{"email": out.Email, "password": apptest.TestPassword}), http.StatusOK)
	require.Equal(t, out.UserID, auth.User.ID)
	acct := apptest.Account{ID: auth.User.ID, Email: out.Email, Token: auth.Token}

	doc := apptest.Expect[client.Document](t, inst, apptest.Request{Method: http.MethodGet,
		Path: fmt.Sprintf("/documents/%d", out.DocumentID), Token: acct.Token}, http.StatusOK)
	file, ok := doc.File.Get()
	require.True(t, ok, "document %d has no file", out.DocumentID)
	require.Equal(t, out.DocumentFile.SHA256, file.SHA256)
	download := apptest.Download(t, inst, acct, out.DocumentID, nil)
	require.Equal(t, http.StatusOK, download.Status, string(download.Body))
	require.True(t, bytes.HasPrefix(download.Body, []byte("%PDF-")), "downloaded file: %q", download.Body)
	require.EqualValues(t, out.DocumentFile.SizeBytes, len(download.Body))

	completions := apptest.ListCompletions(t, inst, acct, out.TaskID)
	require.Len(t, completions, 1, "the completion sent twice with one Idempotency-Key was recorded once")
	require.True(t, out.CompletionReplayed, "the second completion was answered as a replay")
	require.Equal(t, out.CompletionID, completions[0].ID)
	require.Equal(t, "completed", apptest.ColumnOf(apptest.ResidenceBoard(t, inst, acct, out.ResidenceID), out.TaskID),
		"a one-time task after its completion")
}

// compileSDK compiles clients/typescript (the SDK and its examples, with its tsconfig) to JavaScript in a
// directory of the test's own and returns it. It does not type-check (--noCheck, several seconds saved):
// `make check-sdk` runs tsc --noEmit on the same files before the Go tests. The output imports openapi-fetch,
// which node finds through a node_modules link to the SDK's own.
func compileSDK(ctx context.Context, t *testing.T, node, root string) string {
	t.Helper()
	sdk := filepath.Join(root, "clients", "typescript")
	tsc := filepath.Join(root, "tools", "node_modules", "typescript", "bin", "tsc")
	for _, need := range []string{tsc, filepath.Join(sdk, "node_modules", "openapi-fetch", "package.json")} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s is missing: run `make sdk-deps` (it installs tools/ and clients/typescript/ from their lock files)", need)
		}
	}
	out := t.TempDir()
	start := time.Now()
	cmd := exec.CommandContext(ctx, node, tsc, "--project", sdk, "--outDir", out, "--noCheck")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc: %v\n%s", err, msg)
	}
	t.Logf("tsc compiled the SDK and its examples to JavaScript in %v", time.Since(start).Round(time.Millisecond))
	require.NoError(t, os.WriteFile(filepath.Join(out, "package.json"), []byte(`{"type": "module"}`+"\n"), 0o600))
	require.NoError(t, os.Symlink(filepath.Join(sdk, "node_modules"), filepath.Join(out, "node_modules")))
	return out
}

// runExample runs a compiled example with the API's URL as its argument, fails the test unless it exits 0, and
// decodes the last line it printed.
func runExample(ctx context.Context, t *testing.T, node, script, apiURL string) householdResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, node, script, apiURL)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("the example ran in %v", time.Since(start).Round(time.Millisecond))
	if stderr.Len() > 0 {
		t.Logf("the example's stderr:\n%s", stderr.Bytes())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("the example exited with %d:\n%s%s", exit.ExitCode(), stdout.Bytes(), stderr.Bytes())
	}
	require.NoError(t, err, "running the example")

	var last string
	for sc := bufio.NewScanner(&stdout); sc.Scan(); {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			last = line
		}
	}
	var res householdResult
	require.NoError(t, json.Unmarshal([]byte(last), &res), "the example's last line is not its JSON result: %q", last)
	return res
}

// contractProxy starts a reverse proxy to inst whose transport checks every request and response against the
// spec (failing the test on a mismatch), so the example's traffic is held to the contract like the Go tests'.
// It returns the proxy's URL.
func contractProxy(t *testing.T, inst *apptest.Instance) string {
	t.Helper()
	target, err := url.Parse(inst.URL)
	require.NoError(t, err)
	transport := apitest.NewTransport(t, http.DefaultTransport.(*http.Transport).Clone())
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: transport,
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(func() {
		srv.Close()
		transport.(interface{ CloseIdleConnections() }).CloseIdleConnections()
	})
	return srv.URL
}

// moduleRoot is the directory of go.mod, found from the package's directory, where go test runs.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
