package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"github.com/homekeep/homekeep/internal/apitest"
	"github.com/homekeep/homekeep/internal/apptest"
)

// inputRequest is one fully built request of the input tests. Bodies and query strings are bytes, so a test
// can send what a well-behaved client never would: invalid UTF-8, a NUL, a number no type can hold.
type inputRequest struct {
	Method, Path, RawQuery string
	Token, ContentType     string
	Body                   []byte
	// Invalid marks a request that breaks the spec on purpose; its response is still checked against it.
	Invalid bool
}

// send sends r through the instance's contract-checking client. It returns an error instead of failing the
// test, so it may run on any goroutine.
func (r inputRequest) send(ctx context.Context, inst *apptest.Instance) (apptest.Response, error) {
	if r.Invalid {
		ctx = apitest.WithInvalidRequest(ctx)
	}
	target := inst.API + r.Path
	if r.RawQuery != "" {
		target += "?" + r.RawQuery
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, target, body)
	if err != nil {
		return apptest.Response{}, fmt.Errorf("error building %s %s: %w", r.Method, target, err)
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	resp, err := inst.Client.Do(req)
	if err != nil {
		return apptest.Response{}, fmt.Errorf("error sending %s %s: %w", r.Method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return apptest.Response{}, fmt.Errorf("error reading the answer to %s %s: %w", r.Method, target, err)
	}
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// rawJSON is spliced into a JSON body as it is: invalid UTF-8 inside a string, or a number literal that no
// Go type would encode the same way.
type rawJSON string

// jsonBody encodes body, which may hold rawJSON values anywhere.
func jsonBody(body any) ([]byte, error) {
	var raws []rawJSON
	var swap func(v any) any
	swap = func(v any) any {
		switch v := v.(type) {
		case rawJSON:
			raws = append(raws, v)
			return fmt.Sprintf("\x01raw%d\x01", len(raws)-1)
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, e := range v {
				out[k] = swap(e)
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, e := range v {
				out[i] = swap(e)
			}
			return out
		}
		return v
	}
	b, err := json.Marshal(swap(body))
	if err != nil {
		return nil, fmt.Errorf("error encoding a JSON body: %w", err)
	}
	for i, raw := range raws {
		b = bytes.Replace(b, fmt.Appendf(nil, `"\u0001raw%d\u0001"`, i), []byte(raw), 1)
	}
	return b, nil
}

// cloneJSON deep-copies a decoded JSON value.
func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = cloneJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneJSON(e)
		}
		return out
	}
	return v
}

// deleteKey is the value setAt takes to remove a property.
type deleteKey struct{}

// setAt returns v with the value at keys (property names and array indexes) replaced by to, creating objects
// and arrays on the way, or removed when to is deleteKey{}.
func setAt(v any, keys []any, to any) any {
	if len(keys) == 0 {
		return to
	}
	switch k := keys[0].(type) {
	case string:
		m, _ := v.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		if _, del := to.(deleteKey); del && len(keys) == 1 {
			delete(m, k)
			return m
		}
		m[k] = setAt(m[k], keys[1:], to)
		return m
	case int:
		a, _ := v.([]any)
		for len(a) <= k {
			a = append(a, nil)
		}
		a[k] = setAt(a[k], keys[1:], to)
		return a
	}
	panic(fmt.Sprintf("setAt: key %v", keys[0]))
}

// getAt returns the value at keys, or nil.
func getAt(v any, keys []any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// fileMode says how a multipart body carries its file.
type fileMode int

const (
	fileAsIs       fileMode = iota // the part as given
	fileNoFilename                 // a plain form field named file, without a filename
)

// multipartForm encodes form fields (values as raw bytes, in name order) and, when f is not nil, the file.
func multipartForm(fields map[string]string, f *apptest.FilePart, mode fileMode) (body []byte, contentType string, err error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if err := w.WriteField(k, fields[k]); err != nil {
			return nil, "", fmt.Errorf("error writing form field %s: %w", k, err)
		}
	}
	if f != nil {
		h := textproto.MIMEHeader{}
		if mode == fileNoFilename {
			h.Set("Content-Disposition", `form-data; name="file"`)
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, f.Name))
		}
		h.Set("Content-Type", f.ContentType)
		part, err := w.CreatePart(h)
		if err != nil {
			return nil, "", fmt.Errorf("error writing the file part: %w", err)
		}
		if _, err := part.Write(f.Content); err != nil {
			return nil, "", fmt.Errorf("error writing the file part: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("error closing the form: %w", err)
	}
	return b.Bytes(), w.FormDataContentType(), nil
}

// rawQuery encodes q in name order, with the parameter named in raw given as already-encoded text instead
// (or left out when that text is "\x00omit").
func rawQuery(q url.Values, raw map[string]string) string {
	names := slices.Collect(maps.Keys(q))
	for name := range raw {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var parts []string
	for _, name := range names {
		if r, ok := raw[name]; ok {
			if r != omitParam {
				parts = append(parts, url.QueryEscape(name)+"="+r)
			}
			continue
		}
		for _, v := range q[name] {
			parts = append(parts, url.QueryEscape(name)+"="+url.QueryEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// omitParam, as a raw query value, leaves the parameter out.
const omitParam = "\x00omit"
