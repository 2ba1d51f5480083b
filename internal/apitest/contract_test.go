package apitest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// validStaticData satisfies the StaticData schema in api/openapi.yaml, nullable interval_days included.
const validStaticData = `{
	"residence_types": [{"id": 1, "name": "House", "display_order": 1}],
	"task_categories": [{"id": 1, "name": "HVAC", "icon": "fan", "color": "#3b82f6", "display_order": 1}],
	"task_priorities": [{"id": 1, "name": "High", "level": 3, "color": "#ef4444", "display_order": 1}],
	"task_frequencies": [
		{"id": 1, "name": "Once", "interval_days": null, "display_order": 1},
		{"id": 2, "name": "Monthly", "interval_days": 30, "display_order": 2}
	],
	"contractor_specialties": [{"id": 1, "name": "Plumber", "display_order": 1}]
}`

const (
	notFoundError     = `{"error": {"code": "not_found", "message": "no such thing"}}`
	unauthorizedError = `{"error": {"code": "unauthorized", "message": "a valid token is required"}}`
)

// recorder collects what the transport reports, in place of t.Errorf.
type recorder struct {
	mu      sync.Mutex
	reports []string
}

func (r *recorder) report(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, fmt.Sprintf(format, args...))
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reports...)
}

// reply is a canned response.
type reply struct {
	status      int
	contentType string
	body        string
	noETag      bool
	// noRequestID leaves out the X-Request-Id the real server sends with every answer.
	noRequestID bool
}

// server answers every request with r, and records the body of the last request it got.
func server(t *testing.T, r reply) (srv *httptest.Server, lastBody func() string) {
	t.Helper()
	var (
		mu   sync.Mutex
		body string
	)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		mu.Lock()
		body = string(b)
		mu.Unlock()
		if r.contentType != "" {
			w.Header().Set("Content-Type", r.contentType)
		}
		if !r.noRequestID {
			w.Header().Set("X-Request-Id", "test-1") // the spec requires it on every error answer
		}
		if r.status == http.StatusOK && !r.noETag {
			w.Header().Set("ETag", `"v1"`) // the spec requires it on GET /static-data's 200
		}
		w.WriteHeader(r.status)
		_, _ = io.WriteString(w, r.body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() string {
		mu.Lock()
		defer mu.Unlock()
		return body
	}
}

// exchange describes one request through the transport, what the server answers, and what must be reported.
type exchange struct {
	name    string
	method  string
	path    string
	body    string
	invalid bool // mark the request with WithInvalidRequest
	reply   reply
	// wantReports are substrings, one per report expected, in order; none means the exchange must pass.
	wantReports []string
}

// run sends ex through a transport checking against c, and checks what it reported.
func (ex exchange) run(t *testing.T, c *contract) {
	t.Helper()
	srv, lastBody := server(t, ex.reply)
	rec := &recorder{}
	tr := &transport{base: srv.Client().Transport, contract: c, report: rec.report, offCorpus: true}

	ctx := t.Context()
	if ex.invalid {
		ctx = WithInvalidRequest(ctx)
	}
	var body io.Reader
	if ex.body != "" {
		body = strings.NewReader(ex.body)
	}
	req, err := http.NewRequestWithContext(ctx, ex.method, srv.URL+ex.path, body)
	require.NoError(t, err, "building the request")
	if ex.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err, "sending %s %s", ex.method, ex.path)
	defer resp.Body.Close()

	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "reading the response body")
	require.Equal(t, ex.reply.body, string(got), "response body the caller sees")
	require.Equal(t, ex.reply.status, resp.StatusCode, "status the caller sees")
	require.Equal(t, ex.body, lastBody(), "request body the server got")

	reports := rec.all()
	require.Len(t, reports, len(ex.wantReports), "reports: got %q, want ones containing %q", reports, ex.wantReports)
	for i, want := range ex.wantReports {
		require.Contains(t, reports[i], want, "report %d", i)
		require.Contains(t, reports[i], ex.method+" "+ex.path, "report %d names the request", i)
	}
}

func TestTransportChecksTrafficAgainstTheSpec(t *testing.T) {
	t.Parallel()

	c, err := loadContract()
	require.NoError(t, err, "loading api/openapi.yaml")

	json := "application/json"
	tests := []exchange{
		{
			name: "a missing required response header is reported", method: http.MethodGet, path: "/api/static-data",
			reply:       reply{status: http.StatusOK, contentType: json, body: validStaticData, noETag: true},
			wantReports: []string{`response header "ETag" missing`},
		},
		{
			name: "a valid response passes", method: http.MethodGet, path: "/api/static-data",
			reply: reply{status: http.StatusOK, contentType: json, body: validStaticData},
		},
		{
			name: "a trailing slash matches the same operation", method: http.MethodGet, path: "/api/static-data/",
			reply: reply{status: http.StatusOK, contentType: json, body: validStaticData},
		},
		{
			name: "a JSON content type with parameters passes", method: http.MethodGet, path: "/api/static-data",
			reply: reply{status: http.StatusOK, contentType: json + "; charset=utf-8", body: validStaticData},
		},
		{
			name: "a response missing a required field is reported", method: http.MethodGet, path: "/api/static-data",
			reply: reply{status: http.StatusOK, contentType: json, body: strings.Replace(validStaticData,
				`"contractor_specialties": [{"id": 1, "name": "Plumber", "display_order": 1}]`, `"extra": []`, 1)},
			wantReports: []string{`property "contractor_specialties" is missing`},
		},
		{
			name: "a wrong JSON type is reported", method: http.MethodGet, path: "/api/static-data",
			reply: reply{status: http.StatusOK, contentType: json, body: strings.Replace(validStaticData,
				`"level": 3`, `"level": "3"`, 1)},
			wantReports: []string{`value must be an integer`},
		},
		{
			name: "an undeclared content type is reported", method: http.MethodGet, path: "/api/static-data",
			reply:       reply{status: http.StatusOK, contentType: "text/plain", body: validStaticData},
			wantReports: []string{`"text/plain"`},
		},
		{
			name: "a missing content type is reported", method: http.MethodGet, path: "/api/static-data",
			reply:       reply{status: http.StatusUnauthorized, body: ""},
			wantReports: []string{`Content-Type`},
		},
		{
			name: "an error status the operation declares passes", method: http.MethodGet, path: "/api/static-data",
			reply: reply{status: http.StatusUnauthorized, contentType: json, body: unauthorizedError},
		},
		{
			name: "an error status the operation does not declare is reported", method: http.MethodGet, path: "/api/static-data",
			reply:       reply{status: http.StatusNotFound, contentType: json, body: notFoundError},
			wantReports: []string{"status is not supported"},
		},
		{
			name: "an error response without its required header is reported", method: http.MethodGet, path: "/api/static-data",
			reply:       reply{status: http.StatusUnauthorized, contentType: json, body: unauthorizedError, noRequestID: true},
			wantReports: []string{`response header "X-Request-Id" missing`},
		},
		{
			name: "an error response without the ApiError shape is reported", method: http.MethodGet, path: "/api/static-data",
			reply:       reply{status: http.StatusInternalServerError, contentType: json, body: `{"message": "boom"}`},
			wantReports: []string{`property "error" is missing`},
		},
		{
			name: "an unknown path is reported", method: http.MethodGet, path: "/api/no-such-thing",
			reply:       reply{status: http.StatusNotFound, contentType: json, body: notFoundError},
			wantReports: []string{"no such operation in the spec"},
		},
		{
			name: "a path outside the base path is reported", method: http.MethodGet, path: "/static-data",
			reply:       reply{status: http.StatusOK, contentType: json, body: validStaticData},
			wantReports: []string{"no such operation in the spec"},
		},
		{
			name: "an undeclared method is reported", method: http.MethodDelete, path: "/api/static-data",
			reply:       reply{status: http.StatusMethodNotAllowed, contentType: json, body: notFoundError},
			wantReports: []string{"no such operation in the spec: method not allowed"},
		},
		{
			name: "an invalid request's response is still checked", method: http.MethodDelete, path: "/api/static-data",
			invalid:     true,
			reply:       reply{status: http.StatusMethodNotAllowed, contentType: json, body: `{"error": "nope"}`},
			wantReports: []string{"response to DELETE /api/static-data (status 405) breaks the spec"},
		},
		{
			name: "an invalid request to an unknown path passes with an Error response", method: http.MethodGet,
			path: "/api/no-such-thing", invalid: true,
			reply: reply{status: http.StatusNotFound, contentType: json, body: notFoundError},
		},
		{
			name: "an invalid request to an unknown path must get an error status", method: http.MethodGet,
			path: "/api/no-such-thing", invalid: true,
			reply:       reply{status: http.StatusOK, contentType: json, body: notFoundError},
			wantReports: []string{"want an error status"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, c)
		})
	}
}

// widgetSpec exercises what api/openapi.yaml does not have: a default response, an operation without any
// error response, an absolute server URL, and request bodies and path parameters kept simple.
const widgetSpec = `
openapi: 3.0.3
info: {title: widgets, version: "1"}
servers:
  - url: https://api.example.com/api
security:
  - bearer: []
paths:
  /widgets:
    post:
      operationId: createWidget
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, minLength: 1}
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties:
                  id: {type: integer}
                  name: {type: string}
        default:
          $ref: "#/components/responses/Error"
  /widgets/{id}:
    get:
      operationId: getWidget
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "204":
          description: Exists.
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  responses:
    Error:
      description: Any error.
      content:
        application/json:
          schema:
            $ref: "#/components/schemas/ApiError"
  schemas:
    ApiError:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code, message]
          properties:
            code: {type: string}
            message: {type: string}
`

func TestTransportChecksRequests(t *testing.T) {
	t.Parallel()

	path := filepath.Join(t.TempDir(), "openapi.yaml")
	require.NoError(t, os.WriteFile(path, []byte(widgetSpec), 0o600), "writing the test spec")
	c, err := newContract(path)
	require.NoError(t, err, "loading the test spec")

	json := "application/json"
	created := reply{status: http.StatusCreated, contentType: json, body: `{"id": 7, "name": "sprocket"}`}
	badRequest := reply{status: http.StatusBadRequest, contentType: json,
		body: `{"error": {"code": "validation_failed", "message": "name is required"}}`}
	tests := []exchange{
		{
			// No Authorization header either: security is the server's job.
			name: "a valid request passes and its body reaches the server", method: http.MethodPost, path: "/api/widgets",
			body: `{"name": "sprocket"}`, reply: created,
		},
		{
			name: "a request body breaking the schema is reported", method: http.MethodPost, path: "/api/widgets",
			body: `{"name": ""}`, reply: badRequest,
			wantReports: []string{"request POST /api/widgets (status 400) breaks the spec"},
		},
		{
			name: "a request without its required body is reported", method: http.MethodPost, path: "/api/widgets",
			reply: badRequest, wantReports: []string{"request body has an error"},
		},
		{
			name: "a path parameter of the wrong type is reported", method: http.MethodGet, path: "/api/widgets/abc",
			reply:       reply{status: http.StatusNoContent},
			wantReports: []string{`parameter "id" in path has an error`},
		},
		{
			name: "a deliberately invalid request is not reported", method: http.MethodPost, path: "/api/widgets",
			body: `{"name": 42}`, invalid: true, reply: badRequest,
		},
		{
			name: "a deliberately invalid request still has its response checked", method: http.MethodPost,
			path: "/api/widgets", body: `{"name": 42}`, invalid: true,
			reply:       reply{status: http.StatusBadRequest, contentType: json, body: `{"error": {"code": "validation_failed"}}`},
			wantReports: []string{`response to POST /api/widgets (status 400) breaks the spec`},
		},
		{
			name: "a status the operation does not declare is reported when there is no default", method: http.MethodGet,
			path:        "/api/widgets/7",
			reply:       reply{status: http.StatusInternalServerError, contentType: json, body: `{}`},
			wantReports: []string{"status is not supported"},
		},
		{
			name: "a request breaking the spec and a bad response are both reported", method: http.MethodPost,
			path: "/api/widgets", body: `{}`,
			reply: reply{status: http.StatusBadRequest, contentType: "text/plain", body: "bad"},
			wantReports: []string{
				"request POST /api/widgets (status 400) breaks the spec",
				"response to POST /api/widgets (status 400) breaks the spec",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, c)
		})
	}
}

func TestTransportTruncatesLongBodies(t *testing.T) {
	t.Parallel()

	c, err := loadContract()
	require.NoError(t, err, "loading api/openapi.yaml")
	long := strings.Repeat("x", 10<<10)
	srv, _ := server(t, reply{status: http.StatusOK, contentType: "application/json", body: long})
	rec := &recorder{}
	client := &http.Client{Transport: &transport{base: srv.Client().Transport, contract: c, report: rec.report, offCorpus: true}}

	resp, err := client.Get(srv.URL + "/api/static-data")
	require.NoError(t, err, "sending the request")
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "reading the response body")
	require.NoError(t, resp.Body.Close(), "closing the response body")
	require.Len(t, got, len(long), "response body length the caller sees")

	reports := rec.all()
	require.Len(t, reports, 1, "reports: %q", reports)
	require.Contains(t, reports[0], fmt.Sprintf("(%d bytes in all)", len(long)), "report")
	require.Less(t, len(reports[0]), 3<<10, "report length")
}

func TestTransportPassesOnTransportErrors(t *testing.T) {
	t.Parallel()

	c, err := loadContract()
	require.NoError(t, err, "loading api/openapi.yaml")
	srv, _ := server(t, reply{status: http.StatusOK})
	srv.Close() // nothing listens any more
	rec := &recorder{}
	client := &http.Client{Transport: &transport{base: srv.Client().Transport, contract: c, report: rec.report, offCorpus: true}}

	_, err = client.Get(srv.URL + "/api/static-data") //nolint:bodyclose // the request fails: there is no response
	require.Error(t, err, "request to a closed server")
	require.Empty(t, rec.all(), "reports for a valid request that got no response")
}

func TestNewClientPassesValidTraffic(t *testing.T) {
	t.Parallel()

	srv, _ := server(t, reply{status: http.StatusOK, contentType: "application/json", body: validStaticData})
	// With the real t: a mismatch here would fail this test.
	client := NewClient(t)
	require.Equal(t, 10*time.Second, client.Timeout, "client timeout")

	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/api/static-data", nil)
	require.NoError(t, err, "building the request")
	resp, err := client.Do(req)
	require.NoError(t, err, "sending the request")
	require.NoError(t, resp.Body.Close(), "closing the response body")
	require.Equal(t, http.StatusOK, resp.StatusCode, "status")
}

func TestModuleRootHasTheSpec(t *testing.T) {
	t.Parallel()

	root, err := moduleRoot()
	require.NoError(t, err, "finding the module root")
	_, err = os.Stat(filepath.Join(root, specPath))
	require.NoError(t, err, "looking for %s under %s", specPath, root)
}
