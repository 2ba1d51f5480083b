package apidocs

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/net/html"

	"github.com/homekeep/homekeep/api"
)

// reply is a response with its body read.
type reply struct {
	StatusCode    int
	Header        http.Header
	ContentLength int64
}

// get sends a GET (or another method) to the docs server and returns the response and its body.
func get(t *testing.T, method, url string, header http.Header) (reply, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	require.NoError(t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	// A transport of its own: the default one would ask for gzip and decompress behind the test's back.
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{StatusCode: resp.StatusCode, Header: resp.Header, ContentLength: resp.ContentLength}, body
}

func TestSpecIsTheFileTheServerWasGeneratedFrom(t *testing.T) {
	t.Parallel()
	onDisk, err := os.ReadFile(filepath.Join("..", "..", "api", "openapi.yaml"))
	require.NoError(t, err)
	srv := newDocsServer(t)

	resp, body := get(t, http.MethodGet, srv.URL+PathYAML, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/yaml", resp.Header.Get("Content-Type"))
	require.Equal(t, string(onDisk), api.OpenAPIYAML, "the embedded spec differs from api/openapi.yaml")
	require.Equal(t, string(onDisk), string(body), "GET %s differs from api/openapi.yaml", PathYAML)
}

// TestJSONSaysWhatTheYAMLSays loads both documents with kin-openapi, an independent reader of each format,
// and compares what it read; the JSON also keeps the YAML's order of paths.
func TestJSONSaysWhatTheYAMLSays(t *testing.T) {
	t.Parallel()
	srv := newDocsServer(t)
	resp, specJSON := get(t, http.MethodGet, srv.URL+PathJSON, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.True(t, json.Valid(specJSON), "GET %s is not JSON", PathJSON)

	load := func(data []byte) []byte {
		t.Helper()
		doc, err := openapi3.NewLoader().LoadFromData(data)
		require.NoError(t, err)
		out, err := json.Marshal(doc)
		require.NoError(t, err)
		return out
	}
	require.JSONEq(t, string(load([]byte(api.OpenAPIYAML))), string(load(specJSON)))

	var fromYAML struct {
		Paths yaml.Node `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(api.OpenAPIYAML), &fromYAML))
	var yamlOrder []string
	for i := 0; i < len(fromYAML.Paths.Content); i += 2 {
		yamlOrder = append(yamlOrder, fromYAML.Paths.Content[i].Value)
	}
	require.Equal(t, yamlOrder, objectKeys(t, specJSON, "paths"), "the JSON lists the paths in another order")
}

// objectKeys returns the keys of the object under the top-level key of a JSON document, in document order.
func objectKeys(t *testing.T, doc []byte, key string) []string {
	t.Helper()
	var top map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(doc, &top))
	dec := json.NewDecoder(bytes.NewReader(top[key]))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok, "%s is not an object", key)
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}

// TestDocsPageReferencesOnlyLocalAssets checks the page names nothing beyond the server (no CDN script, no
// web font, no stylesheet elsewhere), that every asset it names is served, and that its policy keeps the
// browser to this server too.
func TestDocsPageReferencesOnlyLocalAssets(t *testing.T) {
	t.Parallel()
	srv := newDocsServer(t)
	resp, page := get(t, http.MethodGet, srv.URL+PathDocs, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	csp := resp.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "default-src 'none'")
	for _, directive := range strings.Split(csp, ";") {
		for _, source := range strings.Fields(directive)[1:] {
			require.NotContains(t, source, ".", "the page's policy admits another host: %s", directive)
		}
	}
	require.NotRegexp(t, regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]`), string(page),
		"the page names another host")

	var refs []string
	z := html.NewTokenizer(bytes.NewReader(page))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		for _, a := range z.Token().Attr {
			switch a.Key {
			case "src", "href", "spec-url", "srcset", "action", "data", "poster", "manifest":
				refs = append(refs, a.Val)
			}
		}
	}
	require.NoError(t, ignoreEOF(z.Err()))
	require.ElementsMatch(t, []string{PathJSON, PathRedoc}, refs, "the page's references changed; check them here")
	for _, ref := range refs {
		u, err := url.Parse(ref)
		require.NoError(t, err)
		require.True(t, u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/"),
			"%q is not a path on this server", ref)
		resp, body := get(t, http.MethodGet, srv.URL+ref, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s", ref)
		require.NotEmpty(t, body, "GET %s", ref)
	}
}

func ignoreEOF(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// TestDocsRoutes covers what the router adds around the docs: conditional requests, HEAD, compression of the
// bundle, trailing slashes and the JSON 405; the server is never marked ready, so none of it waits for the
// database.
func TestDocsRoutes(t *testing.T) {
	t.Parallel()
	srv := newDocsServer(t)
	_, specJSON := get(t, http.MethodGet, srv.URL+PathJSON, nil)

	t.Run("RevalidatesWithETag", func(t *testing.T) {
		t.Parallel()
		for _, path := range []string{PathYAML, PathJSON, PathDocs, PathRedoc} {
			resp, _ := get(t, http.MethodGet, srv.URL+path, nil)
			etag := resp.Header.Get("ETag")
			require.Regexp(t, `^"[0-9a-f]{32}"$`, etag, "GET %s", path)
			require.NotEmpty(t, resp.Header.Get("Cache-Control"), "GET %s", path)
			require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), "GET %s", path)

			resp, body := get(t, http.MethodGet, srv.URL+path, http.Header{"If-None-Match": {etag}})
			require.Equal(t, http.StatusNotModified, resp.StatusCode, "GET %s with its ETag", path)
			require.Empty(t, body)
			require.Equal(t, etag, resp.Header.Get("ETag"))

			resp, _ = get(t, http.MethodGet, srv.URL+path, http.Header{"If-None-Match": {`"stale"`}})
			require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s with another ETag", path)
		}
	})
	t.Run("HeadHasGetsHeadersAndNoBody", func(t *testing.T) {
		t.Parallel()
		resp, body := get(t, http.MethodHead, srv.URL+PathJSON, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Empty(t, body)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.Equal(t, int64(len(specJSON)), resp.ContentLength)
	})
	t.Run("CompressesTheBundleForClientsThatAsk", func(t *testing.T) {
		t.Parallel()
		resp, plain := get(t, http.MethodGet, srv.URL+PathRedoc, nil)
		require.Empty(t, resp.Header.Get("Content-Encoding"))
		require.Equal(t, redocJS, plain)
		require.Equal(t, "Accept-Encoding", resp.Header.Get("Vary"))

		resp, gz := get(t, http.MethodGet, srv.URL+PathRedoc, http.Header{"Accept-Encoding": {"br, gzip"}})
		require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
		require.Less(t, len(gz), len(redocJS)/2)
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		require.NoError(t, err)
		unzipped, err := io.ReadAll(zr)
		require.NoError(t, err)
		require.Equal(t, redocJS, unzipped)
		etag := resp.Header.Get("ETag")
		require.Regexp(t, `^"[0-9a-f]{32}-gzip"$`, etag)

		resp, _ = get(t, http.MethodGet, srv.URL+PathRedoc,
			http.Header{"Accept-Encoding": {"gzip"}, "If-None-Match": {etag}})
		require.Equal(t, http.StatusNotModified, resp.StatusCode)
	})
	t.Run("AcceptsATrailingSlash", func(t *testing.T) {
		t.Parallel()
		resp, body := get(t, http.MethodGet, srv.URL+PathDocs+"/", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, string(body), "<redoc ")
	})
	t.Run("RefusesOtherMethodsAsTheAPIDoes", func(t *testing.T) {
		t.Parallel()
		resp, body := get(t, http.MethodPost, srv.URL+PathYAML, nil)
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		require.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
		require.Contains(t, string(body), `"method_not_allowed"`)
	})
	t.Run("LeavesOtherPathsToTheRouter", func(t *testing.T) {
		t.Parallel()
		resp, body := get(t, http.MethodGet, srv.URL+"/docs/other.js", nil)
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
		require.Contains(t, string(body), `"not_found"`)
	})
}

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"identity", false},
		{"gzip", true},
		{"GZIP", true},
		{"br, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"gzip;q=0.001", true},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false},
		{"*;q=0, gzip", true},
		{"deflate, br", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, acceptsGzip(tt.header), "acceptsGzip(%q)", tt.header)
	}
}

// TestRedocMatchesItsRecord ties the embedded bundle to redoc/README.md, which `make docs-asset` writes with
// the version and checksum of what it copied: a bundle changed by hand, or a README left behind, fails here.
func TestRedocMatchesItsRecord(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("redoc", "README.md"))
	require.NoError(t, err)
	record := func(label string) string {
		m := regexp.MustCompile("(?m)^- " + regexp.QuoteMeta(label) + ": `([^`]+)`").FindSubmatch(readme)
		require.NotNil(t, m, "redoc/README.md has no %q line", label)
		return string(m[1])
	}
	sum := sha256.Sum256(redocJS)
	require.Equal(t, record("sha256 of redoc.standalone.js"), hex.EncodeToString(sum[:]))
	notices, err := os.ReadFile(filepath.Join("redoc", "redoc.standalone.js.LICENSE.txt"))
	require.NoError(t, err, "the bundle's third-party notices are missing")
	require.Contains(t, string(notices), `Version: "`+record("version")+`"`, "the bundle is another version")
	licence, err := os.ReadFile(filepath.Join("redoc", "LICENSE"))
	require.NoError(t, err, "Redoc's licence is missing")
	require.Contains(t, string(licence), "The MIT License")
}
