package apitest

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLeakInErrorBodyFlagsInternals(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, body, want string
	}{
		{"a pgx error", `{"error":{"code":"internal","message":"pgx: connection refused"}}`, `"pgx"`},
		{"a lib/pq error", `{"error":{"message":"pq: duplicate key value"}}`, `"pq:"`},
		{"a database/sql error", `{"error":{"message":"sql: no rows in result set"}}`, `"sql"`},
		{"a sqlc query name", `{"error":{"message":"error in dbsqlc.UserGet"}}`, `"sql"`},
		{"a stack frame", `{"error":{"message":"at internal/app/api/tasks.go:42"}}`, `".go:"`},
		{"a goroutine dump", "goroutine 17 [running]:\nmain.main()", `"goroutine"`},
		{"a recovered runtime error", `{"error":{"message":"runtime error: index out of range"}}`, `"runtime error"`},
		{"a recovered panic", `{"error":{"message":"panic: boom"}}`, `"panic"`},
		{"a clean field error", `{"error":{"code":"invalid_request","message":"title: must not be empty","field":"title"}}`, ""},
		{"the spec's own word for the database", `{"error":{"code":"unavailable","message":"PostgreSQL is unavailable"}}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := LeakInErrorBody([]byte(tc.body))
			if tc.want == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, tc.want)
		})
	}
}

func TestTransportsReportErrorBodiesThatShowInternals(t *testing.T) {
	t.Parallel()

	c, err := loadContract()
	require.NoError(t, err, "loading api/openapi.yaml")
	leaky := `{"error": {"code": "internal", "message": "pgx: failed to connect to user=postgres"}}`

	tests := []struct {
		name        string
		path        string
		reply       reply
		wantReports []string
	}{
		{"an error that names the driver is reported", "/api/no-such-path",
			reply{status: http.StatusInternalServerError, contentType: "application/json", body: leaky},
			[]string{`shows internals: "pgx"`}},
		{"a clean error passes", "/api/no-such-path",
			reply{status: http.StatusUnauthorized, contentType: "application/json", body: unauthorizedError}, nil},
		{"a success may say panic: it is the user's text", "/api/static-data",
			reply{status: http.StatusOK, contentType: "application/json", body: strings.Replace(validStaticData, "HVAC", "panic room", 1)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, spec := range []bool{true, false} {
				srv, _ := server(t, tc.reply)
				rec := &recorder{}
				var tr http.RoundTripper = &transport{base: srv.Client().Transport, contract: c, report: rec.report, offCorpus: true}
				if !spec {
					tr = &errorBodyTransport{base: srv.Client().Transport, report: rec.report, offCorpus: true}
				}
				req, err := http.NewRequestWithContext(WithInvalidRequest(t.Context()), http.MethodGet, srv.URL+tc.path, nil)
				require.NoError(t, err)
				resp, err := (&http.Client{Transport: tr}).Do(req)
				require.NoError(t, err)
				got, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				require.Equal(t, tc.reply.body, string(got), "the caller still sees the body")

				reports := rec.all()
				require.Len(t, reports, len(tc.wantReports), "spec transport %v: reports %q", spec, reports)
				for i, want := range tc.wantReports {
					require.Contains(t, reports[i], want)
					require.Contains(t, reports[i], "GET "+tc.path, "the report names the request")
				}
			}
		})
	}
}

func TestErrorBodiesGoToTheCorpus(t *testing.T) {
	// Not parallel: it sets the environment, and the corpus file is per process.
	dir := t.TempDir()
	t.Setenv(ErrorBodiesEnv, dir)
	c := &errorCorpus{}
	t.Cleanup(func() {
		if c.file != nil {
			_ = c.file.Close()
		}
	})
	req, err := http.NewRequest(http.MethodPost, "http://example.test/api/tasks?x=1", nil)
	require.NoError(t, err)
	require.NoError(t, c.add(dir, "TestX", req, 422, []byte("### not a header\nline two")))
	require.NoError(t, c.add(dir, "TestY", req, 500, []byte(`{"error":{}}`)))

	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	require.NoError(t, err)
	require.Len(t, files, 1, "one file per process")
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	require.Equal(t, "### 422 POST /api/tasks?x=1 (TestX)\n ### not a header\nline two\n"+
		"### 500 POST /api/tasks?x=1 (TestY)\n{\"error\":{}}\n", string(b),
		"a body's own line that looks like a header is indented, so a check of the bodies skips only headers")
}
