// Package apidocs serves the API's contract outside /api, to anyone and with no database: the OpenAPI
// document the server was generated from, as YAML (byte for byte api/openapi.yaml) and as JSON, and an
// interactive reference at /docs rendered by Redoc from a copy vendored under redoc/ and embedded in the
// binary, so the page works with no network at all.
package apidocs

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed" // for go:embed
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/homekeep/homekeep/api"
)

// The paths Docs serves.
const (
	PathYAML  = "/openapi.yaml"
	PathJSON  = "/openapi.json"
	PathDocs  = "/docs"
	PathRedoc = "/docs/redoc.standalone.js"
)

// redocJS is Redoc's standalone bundle (see redoc/README.md for its version and licence; `make docs-asset`
// refreshes it from npm).
//
//go:embed redoc/redoc.standalone.js
var redocJS []byte

// pageCSP confines the reference page to this server. Redoc needs inline styles (styled-components), a worker
// built from a blob (search) and data: images; its sidebar also shows a logo from Redocly's CDN, which this
// policy keeps the browser from fetching (Redoc hides the image when it fails to load).
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; " +
	"frame-ancestors 'none'"

// pageTheme sets Redoc's fonts to the system's: its default theme names web fonts (Roboto, Montserrat) that
// the page would otherwise have to fetch.
const pageTheme = `{"typography":{"fontFamily":"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",` +
	`"headings":{"fontFamily":"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},` +
	`"code":{"fontFamily":"ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace"}}}`

var pageTemplate = template.Must(template.New("docs").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} reference</title>
</head>
<body style="margin: 0">
<redoc spec-url="{{.SpecURL}}" theme="{{.Theme}}"></redoc>
<script src="{{.ScriptURL}}"></script>
</body>
</html>
`))

// Docs serves the spec and its reference. It is immutable once made, and safe for concurrent use.
type Docs struct {
	yaml, json, page, redoc *resource
}

// New prepares every response Docs serves from the embedded spec: the JSON is converted here, once.
func New() (*Docs, error) {
	specYAML := []byte(api.OpenAPIYAML)
	specJSON, err := yamlToJSON(specYAML)
	if err != nil {
		return nil, fmt.Errorf("error converting api/openapi.yaml to JSON: %w", err)
	}
	var head struct {
		Info struct {
			Title string `json:"title"`
		} `json:"info"`
	}
	if err := json.Unmarshal(specJSON, &head); err != nil {
		return nil, fmt.Errorf("error reading the title of api/openapi.yaml: %w", err)
	}
	var page bytes.Buffer
	err = pageTemplate.Execute(&page, map[string]string{
		"Title": head.Info.Title, "SpecURL": PathJSON, "Theme": pageTheme, "ScriptURL": PathRedoc,
	})
	if err != nil {
		return nil, fmt.Errorf("error rendering the reference page: %w", err)
	}
	// The spec and the page change with every release: a client revalidates each time and mostly gets a
	// 304. The bundle changes only when it is refreshed, and a browser that keeps an older one for a day
	// still renders the spec.
	return &Docs{
		yaml: newResource(specYAML, "application/yaml", "no-cache", nil, false),
		json: newResource(specJSON, "application/json", "no-cache", nil, false),
		page: newResource(page.Bytes(), "text/html; charset=utf-8", "no-cache",
			map[string]string{"Content-Security-Policy": pageCSP}, false),
		redoc: newResource(redocJS, "text/javascript; charset=utf-8", "public, max-age=86400", nil, true),
	}, nil
}

// Routes returns Docs's GET routes by path, for httpserver.Options.Docs.
func (d *Docs) Routes() map[string]http.Handler {
	return map[string]http.Handler{PathYAML: d.yaml, PathJSON: d.json, PathDocs: d.page, PathRedoc: d.redoc}
}

// resource is one fixed response: its body, validators and headers, and for a large text body its gzip
// encoding, compressed when first asked for rather than at start.
type resource struct {
	body         []byte
	etag         string
	contentType  string
	cacheControl string
	header       map[string]string
	gzipped      func() []byte // nil when the body is not offered gzipped
	gzipETag     string
}

func newResource(body []byte, contentType, cacheControl string, header map[string]string, compress bool) *resource {
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	res := &resource{body: body, etag: `"` + tag + `"`, contentType: contentType, cacheControl: cacheControl,
		header: header}
	if compress {
		res.gzipETag = `"` + tag + `-gzip"`
		res.gzipped = sync.OnceValue(func() []byte {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
			_, _ = zw.Write(body)                                    // writes to a bytes.Buffer do not fail
			_ = zw.Close()
			return buf.Bytes()
		})
	}
	return res
}

// ServeHTTP answers GET (and HEAD, through httpserver.HeadAsGet) with the body, or 304 when the client's
// If-None-Match names it; http.ServeContent also answers Range requests.
func (res *resource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", res.contentType)
	h.Set("Cache-Control", res.cacheControl)
	h.Set("X-Content-Type-Options", "nosniff")
	for k, v := range res.header {
		h.Set(k, v)
	}
	body, etag := res.body, res.etag
	if res.gzipped != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body, etag = res.gzipped(), res.gzipETag
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header value admits gzip: it names gzip, or else *, with a
// weight above zero.
func acceptsGzip(accept string) bool {
	anyOK := false
	for part := range strings.SplitSeq(accept, ",") {
		coding, params, _ := strings.Cut(part, ";")
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip":
			return !zeroWeight(params)
		case "*":
			anyOK = !zeroWeight(params)
		}
	}
	return anyOK
}

// zeroWeight reports whether an Accept-Encoding entry's parameters give it q=0 (q=0, q=0.0, q=0.000).
func zeroWeight(params string) bool {
	q := strings.ReplaceAll(strings.ToLower(params), " ", "")
	return q == "q=0" || strings.HasPrefix(q, "q=0.") && strings.Trim(q[len("q=0."):], "0") == ""
}
