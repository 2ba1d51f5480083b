package service_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apitest"
	"github.com/homekeep/homekeep/internal/apptest"
)

// pdf is a minimal file the document upload accepts.
var pdf = []byte("%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")

// specGetPaths lists every path of api/openapi.yaml that has a GET operation, so a new route is covered
// without anyone remembering to add it here.
func specGetPaths(t *testing.T) []string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join("..", "..", "api", "openapi.yaml"))
	require.NoError(t, err)
	var out []string
	for path, item := range doc.Paths.Map() {
		if item.Get != nil {
			out = append(out, path)
		}
	}
	slices.Sort(out)
	require.NotEmpty(t, out)
	return out
}

// TestHeadAnswersLikeGet sends HEAD and GET to every GET route of the spec (with ids of real objects, so the
// routes answer 200 and not only 404) and to the probes: HEAD must answer with GET's status and headers and
// no body.
func TestHeadAnswersLikeGet(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	acct := inst.Register(t)
	ids := map[string]int64{}
	create := func(path string, body map[string]any) apptest.Request {
		return apptest.Request{Method: http.MethodPost, Path: path, Token: acct.Token, Body: body}
	}
	ids["residences"] = apptest.Expect[client.Residence](t, inst,
		create("/residences", map[string]any{"name": "Head home"}), http.StatusCreated).ID
	ids["tasks"] = apptest.Expect[client.Task](t, inst,
		create("/tasks", map[string]any{"residence_id": ids["residences"], "title": "Head task"}), http.StatusCreated).ID
	ids["contractors"] = apptest.Expect[client.Contractor](t, inst,
		create("/contractors", map[string]any{"residence_id": ids["residences"], "name": "Head fixer"}), http.StatusCreated).ID
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	require.NoError(t, w.WriteField("residence_id", fmt.Sprint(ids["residences"])))
	require.NoError(t, w.WriteField("title", "Head doc"))
	part, err := w.CreateFormFile("file", "head.pdf")
	require.NoError(t, err)
	_, err = part.Write(pdf)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/documents", Token: acct.Token, Body: b.Bytes(),
		Header: http.Header{"Content-Type": {w.FormDataContentType()}}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var doc client.Document
	r.JSON(t, &doc)
	ids["documents"] = doc.ID

	param := regexp.MustCompile(`\{[^}]+\}`)
	paths := []string{"/healthz", "/readyz"}
	for _, p := range specGetPaths(t) {
		collection := strings.Split(strings.TrimPrefix(p, "/"), "/")[0]
		paths = append(paths, "/api"+param.ReplaceAllString(p, fmt.Sprint(ids[collection])))
	}
	plain := &http.Client{Transport: apitest.NewErrorBodyTransport(t, nil)} // HEAD and the probes are outside the spec; error bodies are still checked
	do := func(t *testing.T, method, path string) (answer, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(context.Background(), method, inst.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+acct.Token)
		resp, err := plain.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return answer{StatusCode: resp.StatusCode, Header: resp.Header}, body
	}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			// The first board a process serves a caller it has not seen is tagged from its rows, the next
			// from its residences' versions: compare answers once the tag has settled.
			do(t, http.MethodGet, path)
			get, _ := do(t, http.MethodGet, path)
			head, body := do(t, http.MethodHead, path)
			require.Equal(t, get.StatusCode, head.StatusCode, "HEAD %s answers like GET", path)
			require.NotEqual(t, http.StatusMethodNotAllowed, head.StatusCode)
			require.Empty(t, body, "HEAD has no body")
			for _, h := range []string{"Content-Type", "ETag", "Content-Length", "Content-Disposition", "Accept-Ranges", "Cache-Control"} {
				require.Equal(t, get.Header.Get(h), head.Header.Get(h), "HEAD %s: header %s", path, h)
			}
		})
	}
	t.Run("UnknownMethodIsStill405", func(t *testing.T) {
		t.Parallel()
		resp, _ := do(t, http.MethodPut, "/api/static-data")
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	})
}
