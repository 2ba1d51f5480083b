package apitest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// ErrorBodiesEnv names the environment variable that, when set to a directory, makes every transport append
// each error body it sees (status 400 and above) to a file there, so `make test` can grep the whole run's
// error bodies once more at its end (mk/error-bodies.mk).
const ErrorBodiesEnv = "HOMEKEEP_ERROR_BODIES"

// leakPatterns are texts no error body may contain (issue 19's hardening): they mean the server echoed a
// driver's error (pq:, pgx, SQL text), a stack trace (file.go:line, goroutine N), or a recovered panic.
// Matching is case-sensitive, so the spec's own words ("PostgreSQL", "SQL" in prose) do not trip it; any
// lower-case "sql" does, which is what a query, a sqlc name or a database/sql error would show.
var leakPatterns = []string{"pq:", "pgx", "sql", ".go:", "goroutine", "runtime error", "panic"}

// LeakInErrorBody returns the first internal detail body shows, quoted with a little of the text around it,
// or "" when there is none. It is the check every transport in this package applies to error bodies, exported
// so tests of other clients (a browser's HTML pages, a raw http.Client) can apply it too.
func LeakInErrorBody(body []byte) string {
	const around = 40
	for _, p := range leakPatterns {
		i := bytes.Index(body, []byte(p))
		if i < 0 {
			continue
		}
		from, to := max(0, i-around), min(len(body), i+len(p)+around)
		return fmt.Sprintf("%q in …%s…", p, body[from:to])
	}
	return ""
}

// NewErrorBodyTransport returns a RoundTripper that sends requests through base (http.DefaultTransport if nil)
// and fails t, with t.Errorf, when a response with status 400 or above has a body that LeakInErrorBody flags.
// Unlike NewTransport it checks nothing against the spec, so it suits clients of pages outside the spec (the
// admin panel, /docs, downloads); only error bodies are read, so successful responses still stream.
func NewErrorBodyTransport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	t.Helper()
	if base == nil {
		base = http.DefaultTransport
	}
	return &errorBodyTransport{base: base, test: t.Name(), report: t.Errorf}
}

// errorBodyTransport is the RoundTripper NewErrorBodyTransport returns.
type errorBodyTransport struct {
	base   http.RoundTripper
	test   string
	report func(format string, args ...any)
	// offCorpus: as transport's.
	offCorpus bool
}

// RoundTrip sends req and checks the response's body when it is an error.
func (tr *errorBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tr.base.RoundTrip(req)
	if err != nil || resp.StatusCode < http.StatusBadRequest {
		return resp, err
	}
	body, err := drain(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("error reading the response body of %s %s: %w", req.Method, req.URL.RequestURI(), err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	checkErrorBody(tr.report, tr.test, !tr.offCorpus, req, resp.StatusCode, body)
	return resp, nil
}

// CloseIdleConnections passes through to the base transport, so http.Client.CloseIdleConnections works.
func (tr *errorBodyTransport) CloseIdleConnections() {
	if c, ok := tr.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// checkErrorBody reports an error body that shows internals, naming the request, and records the body in the
// corpus when ErrorBodiesEnv is set and record says so. Bodies of successful responses are not checked: a task's title may say
// "panic" and be the user's own text.
func checkErrorBody(report func(string, ...any), test string, record bool, req *http.Request, status int, body []byte) {
	if status < http.StatusBadRequest {
		return
	}
	if leak := LeakInErrorBody(body); leak != "" {
		report("apitest: error response to %s %s (status %d) shows internals: %s\nresponse body: %s",
			req.Method, req.URL.RequestURI(), status, leak, truncate(body))
	}
	if dir := os.Getenv(ErrorBodiesEnv); dir != "" && record {
		if err := corpus.add(dir, test, req, status, body); err != nil {
			report("apitest: %v", err)
		}
	}
}

// CorpusHeader starts every record of the error-body corpus; the line holds the status, the request and the
// test, and the body follows on the next lines, so a check of the corpus skips the lines that start with it.
const CorpusHeader = "### "

// errorCorpus appends error bodies to one file per test process in the corpus directory, so parallel test
// binaries never interleave their writes.
type errorCorpus struct {
	mu   sync.Mutex
	file *os.File
}

var corpus errorCorpus

func (c *errorCorpus) add(dir, test string, req *http.Request, status int, body []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.file == nil {
		if err := os.MkdirAll(dir, 0o750); err != nil { //nolint:gosec // G703: the directory is the test run's own setting
			return fmt.Errorf("error creating the error-body corpus %s: %w", dir, err)
		}
		name := fmt.Sprintf("%s-%d.txt", filepath.Base(os.Args[0]), os.Getpid())
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600) //nolint:gosec // G304: the directory is the test run's own setting
		if err != nil {
			return fmt.Errorf("error opening the error-body corpus: %w", err)
		}
		c.file = f // left open for the process's life: the OS closes it at exit, after every test's write
	}
	text := strings.ReplaceAll("\n"+string(body), "\n"+CorpusHeader, "\n "+CorpusHeader)[1:]
	if _, err := fmt.Fprintf(c.file, "%s%d %s %s (%s)\n%s\n", CorpusHeader, status, req.Method, req.URL.RequestURI(), test, text); err != nil {
		return fmt.Errorf("error appending to the error-body corpus: %w", err)
	}
	return nil
}
