package idempotency

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
)

func newBodyHash() hash.Hash { return sha256.New() }

// maxDrain bounds what is read of a body after the server has decoded it (trailing bytes past a multipart
// body's end, which a client may or may not send); the router's body limit bounds the rest.
const maxDrain = 1 << 20

// requestHash is what makes two requests "the same" for a key: sha256 over the operation, the method, the
// path and query, and the body. A JSON body counts as its bytes. A multipart body counts as its parts (each
// field's name and values, each file's field, name, content type and bytes), not as its bytes, which differ
// in every encoding by the random boundary: a client that builds the same upload again sends the same
// request. The whole body has been read (ogen decodes it before the middleware runs; what follows its end is
// drained here), so a replay is decided on all of it.
func (st *state) requestHash(r *http.Request, operation string) ([]byte, error) {
	if r.Body != nil {
		if _, err := io.CopyN(io.Discard, r.Body, maxDrain); err != nil && err != io.EOF {
			return nil, fmt.Errorf("error reading the request body: %w", err)
		}
	}
	h := sha256.New()
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	_, _ = fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", operation, r.Method, r.URL.EscapedPath(), r.URL.RawQuery)
	if r.MultipartForm == nil {
		_, _ = fmt.Fprintf(h, "%s\x00", mediaType)
		_, _ = h.Write(st.body.Sum(nil))
		return h.Sum(nil), nil
	}
	form := r.MultipartForm
	_, _ = fmt.Fprintf(h, "multipart\x00")
	for _, name := range slices.Sorted(maps.Keys(form.Value)) {
		for _, v := range form.Value[name] {
			_, _ = fmt.Fprintf(h, "v\x00%d:%s\x00%d:%s\x00", len(name), name, len(v), v)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(form.File)) {
		for _, fh := range form.File[name] {
			_, _ = fmt.Fprintf(h, "f\x00%d:%s\x00%d:%s\x00%s\x00%d\x00", len(name), name, len(fh.Filename), fh.Filename,
				strings.ToLower(fh.Header.Get("Content-Type")), fh.Size)
			f, err := fh.Open()
			if err != nil {
				return nil, fmt.Errorf("error reading an uploaded file: %w", err)
			}
			_, err = io.Copy(h, f)
			_ = f.Close()
			if err != nil {
				return nil, fmt.Errorf("error reading an uploaded file: %w", err)
			}
		}
	}
	return h.Sum(nil), nil
}
