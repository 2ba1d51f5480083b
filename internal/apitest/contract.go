package apitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

const (
	// specPath is where the spec lives, relative to the module root.
	specPath = "api/openapi.yaml"
	// adminSpecPath is the admin API's spec (issue 16), checked by NewAdminTransport.
	adminSpecPath = "api/admin.yaml"
	// maxReportedBody keeps a failure message readable when a body is large.
	maxReportedBody = 2 << 10
	// clientTimeout keeps a hung server from hanging the test run until go test's own timeout.
	clientTimeout = 10 * time.Second
	// errorSchemaName is the schema every error body has.
	errorSchemaName = "ApiError"
)

// NewTransport returns a RoundTripper that sends requests through base (http.DefaultTransport if nil) and
// fails t, with t.Errorf, when a request or response does not match the spec: an unknown path or method, an
// invalid parameter or body, a status the operation does not declare (and no default covers), or a body or
// content type its schema does not allow. The response is returned unchanged either way, so the test goes on
// and can make its own assertions.
//
// Bodies are read in full to be validated, so the transport is not suitable for streaming responses.
// Authentication is left to the server: security requirements are not checked.
func NewTransport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	t.Helper()
	return newTransport(t, base, t.Errorf)
}

// NewAdminTransport is NewTransport for the admin API: it checks traffic against api/admin.yaml, whose paths
// are under /api/admin.
func NewAdminTransport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	t.Helper()
	tr := newTransport(t, base, t.Errorf)
	c, err := loadAdminContract()
	if err != nil {
		t.Fatalf("apitest: %v", err)
	}
	tr.contract = c
	return tr
}

// NewClient returns an http.Client that checks all its traffic with NewTransport and gives up on a request
// after 10 seconds.
func NewClient(t testing.TB) *http.Client {
	t.Helper()
	return &http.Client{Transport: NewTransport(t, nil), Timeout: clientTimeout}
}

// WithInvalidRequest marks a request as deliberately breaking the spec, for tests of the server's 4xx
// handling: the transport does not check the request (not even that its path exists), but still checks the
// response. When the path is not in the spec, the response must be an error: a 4xx or 5xx status with the
// ApiError body every error has.
func WithInvalidRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, invalidRequestKey{}, true)
}

type invalidRequestKey struct{}

// contract is the spec, loaded and prepared once per test binary.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	// errorOp has only a default response with the spec's ApiError body; responses to requests outside the
	// spec are checked against it.
	errorOp *openapi3.Operation
	// options are the validation options for both directions.
	options *openapi3filter.Options
}

// loadContract loads the spec once per process: every test builds transports, and parsing, validating and
// routing the spec each time would be wasted work.
var loadContract = sync.OnceValues(func() (*contract, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	return newContract(filepath.Join(root, specPath))
})

// loadAdminContract is loadContract for api/admin.yaml.
var loadAdminContract = sync.OnceValues(func() (*contract, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	return newContract(filepath.Join(root, adminSpecPath))
})

func newContract(path string) (*contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("error loading %s: %w", path, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("error validating %s: %w", path, err)
	}

	// Tests talk to httptest servers on 127.0.0.1 and a random port, never to the spec's hosts, so routing
	// keeps only each server's path (the base path, /api) and ignores scheme, host and port.
	servers := make(openapi3.Servers, 0, len(doc.Servers))
	for _, s := range doc.Servers {
		u, err := url.Parse(s.URL)
		if err != nil {
			return nil, fmt.Errorf("error parsing server URL %q in %s: %w", s.URL, path, err)
		}
		servers = append(servers, &openapi3.Server{URL: u.Path})
	}
	doc.Servers = servers

	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("error building a router for %s: %w", path, err)
	}

	errorSchema := doc.Components.Schemas[errorSchemaName]
	if errorSchema == nil {
		return nil, fmt.Errorf("error preparing to check error responses: %s has no components/schemas/%s", path, errorSchemaName)
	}
	errorOp := openapi3.NewOperation()
	errorOp.Responses = openapi3.NewResponses()
	errorOp.Responses.Set("default", &openapi3.ResponseRef{Value: openapi3.NewResponse().
		WithDescription("Any error.").WithJSONSchemaRef(errorSchema)})

	options := &openapi3filter.Options{
		// The server authenticates; the spec's security schemes are not the contract test's business.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		// Report every problem in a body, not just the first.
		MultiError: true,
		// A status the operation does not declare (and no default covers) breaks the contract.
		IncludeResponseStatus: true,
		// Validation must not change the request it checks.
		SkipSettingDefaults: true,
	}
	if !doc.IsOpenAPI31OrLater() { // 3.1's validator cannot leave details out, and fails if asked to
		// Without this every schema error carries the whole schema and the whole value, which for a list
		// response repeats the body (reported anyway, truncated) at full length.
		options.SchemaValidationOptions = []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}
	}

	return &contract{doc: doc, router: router, errorOp: errorOp, options: options}, nil
}

// moduleRoot finds the module's root by walking up from the working directory (go test runs each package's
// tests in that package's directory) to the first directory with a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("error finding the working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("error finding the module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// transport is the RoundTripper NewTransport returns.
type transport struct {
	base     http.RoundTripper
	contract *contract
	// report records a mismatch; t.Errorf in tests, a recorder in this package's own tests.
	report func(format string, args ...any)
	// test names the test in the error-body corpus (ErrorBodiesEnv).
	test string
	// offCorpus keeps this transport's error bodies out of the corpus: this package's own tests answer
	// leaking bodies from a fake server on purpose, and the corpus is for what the real server said.
	offCorpus bool
}

// CloseIdleConnections passes through to the base transport, so http.Client.CloseIdleConnections works.
func (tr *transport) CloseIdleConnections() {
	if c, ok := tr.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// newTransport is NewTransport with the reporting injectable, so this package can test that mismatches are
// reported without failing its own tests.
func newTransport(t testing.TB, base http.RoundTripper, report func(format string, args ...any)) *transport {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatalf("apitest: %v", err)
	}
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, contract: c, report: report, test: t.Name()}
}

// RoundTrip sends req through the base transport and checks the request and the response against the spec.
func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	reqBody, err := drain(req.Body)
	if err != nil {
		return nil, fmt.Errorf("error reading the request body: %w", err)
	}
	// RoundTrip must not modify req, so the body goes onto a copy, which the base transport sends.
	out := req.Clone(req.Context())
	setBody(out, reqBody)

	ctx := req.Context()
	input, reqErr := tr.checkRequest(ctx, req, reqBody)

	resp, err := tr.base.RoundTrip(out)
	if err != nil {
		if reqErr != nil {
			tr.report("apitest: request %s %s breaks the spec (no response: %v): %v\nrequest body: %s",
				req.Method, req.URL.RequestURI(), err, reqErr, truncate(reqBody))
		}
		return nil, err
	}
	if reqErr != nil {
		tr.report("apitest: request %s %s (status %d) breaks the spec: %v\nrequest body: %s",
			req.Method, req.URL.RequestURI(), resp.StatusCode, reqErr, truncate(reqBody))
	}

	respBody, err := drain(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("error reading the response body of %s %s: %w", req.Method, req.URL.RequestURI(), err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	checkErrorBody(tr.report, tr.test, !tr.offCorpus, req, resp.StatusCode, respBody)

	if input == nil {
		return resp, nil // nothing to check the response against; the request mismatch is already reported
	}
	respErr := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(respBody)),
		Options:                tr.contract.options,
	})
	if respErr == nil && input.Route.Operation == tr.contract.errorOp && resp.StatusCode < 400 {
		respErr = fmt.Errorf("status %d for a path the spec does not have; want an error status", resp.StatusCode)
	}
	if respErr != nil {
		tr.report("apitest: response to %s %s (status %d) breaks the spec: %v\nresponse body: %s",
			req.Method, req.URL.RequestURI(), resp.StatusCode, respErr, truncate(respBody))
	}
	return resp, nil
}

// checkRequest finds req's operation and validates req against it. It returns the validation input the
// response is checked with (nil if there is none), and the request's mismatch, if any. A request marked with
// WithInvalidRequest is not validated, and when its path is not in the spec its response is checked against
// the shared Error response.
func (tr *transport) checkRequest(ctx context.Context, req *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	// A copy with its own body, so that the validator's reading it does not disturb what is sent.
	check := req.Clone(ctx)
	setBody(check, body)
	// The server accepts a trailing slash on every path; the spec declares paths without one.
	if p := check.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		check.URL.Path = strings.TrimSuffix(p, "/")
		check.URL.RawPath = strings.TrimSuffix(check.URL.RawPath, "/")
	}
	invalid, _ := ctx.Value(invalidRequestKey{}).(bool)

	route, pathParams, err := tr.contract.router.FindRoute(check)
	if err != nil {
		if invalid {
			route = &routers.Route{Spec: tr.contract.doc, Path: check.URL.Path, Method: check.Method, Operation: tr.contract.errorOp}
			return &openapi3filter.RequestValidationInput{Request: check, Route: route, Options: tr.contract.options}, nil
		}
		return nil, fmt.Errorf("no such operation in the spec: %w", err)
	}
	input := &openapi3filter.RequestValidationInput{Request: check, PathParams: pathParams, Route: route, Options: tr.contract.options}
	if invalid {
		return input, nil
	}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		return input, err
	}
	return input, nil
}

// drain reads and closes a body, which may be nil.
func drain(body io.ReadCloser) ([]byte, error) {
	if body == nil || body == http.NoBody {
		return nil, nil
	}
	defer body.Close()
	return io.ReadAll(body)
}

// setBody gives req a body that can be read, and re-read through GetBody (for redirects and retries).
func setBody(req *http.Request, body []byte) {
	if body == nil {
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
}

// truncate shortens a body for a failure message.
func truncate(body []byte) string {
	if len(body) == 0 {
		return "(empty)"
	}
	if len(body) <= maxReportedBody {
		return string(body)
	}
	return fmt.Sprintf("%s… (%d bytes in all)", body[:maxReportedBody], len(body))
}
