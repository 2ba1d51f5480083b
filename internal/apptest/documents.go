package apptest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/config"
)

// Test files: real bytes of two accepted types, a minimal PDF and a PNG encoded here.
var (
	TestPDF = []byte("%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
		"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
	TestPNG = encodePNG()
)

// encodePNG encodes a small valid PNG image.
func encodePNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range uint8(4) {
		img.Set(int(i), int(i), color.RGBA{R: 200, G: 40 * i, B: 10, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// StartDocuments runs an instance whose files go to a directory of the test's own, which it returns. Its
// pool is small: the package's tests together come close to the test server's connection limit.
func StartDocuments(t *testing.T, configure func(*config.Config)) (*Instance, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "files")
	inst := Start(t, Options{NoSeed: true, Configure: func(c *config.Config) {
		c.DBMinConns, c.DBMaxConns = 1, 4
		c.FileStorageURL = "file://" + dir
		if configure != nil {
			configure(c)
		}
	}})
	return inst, dir
}

// StoredFiles lists the files in a storage directory, relative to it.
func StoredFiles(t *testing.T, dir string) []string {
	t.Helper()
	out := []string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err, "listing the storage directory")
	return out
}

// AddedFiles returns the stored files that are not in before.
func AddedFiles(t *testing.T, dir string, before []string) []string {
	t.Helper()
	out := []string{}
	for _, f := range StoredFiles(t, dir) {
		if !slices.Contains(before, f) {
			out = append(out, f)
		}
	}
	return out
}

// FilePart is the file of a multipart request.
type FilePart struct {
	Name, ContentType string
	Content           []byte
}

// MultipartBody encodes fields and, when f is not nil, the file part.
func MultipartBody(t *testing.T, fields map[string]string, f *FilePart) (body []byte, contentType string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		require.NoError(t, w.WriteField(k, fields[k]))
	}
	if f != nil {
		h := textproto.MIMEHeader{}
		quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(f.Name)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, quoted))
		h.Set("Content-Type", f.ContentType)
		part, err := w.CreatePart(h)
		require.NoError(t, err)
		_, err = part.Write(f.Content)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return b.Bytes(), w.FormDataContentType()
}

// SendMultipart sends a multipart request through the contract-checking client.
func SendMultipart(t *testing.T, inst *Instance, method, path, token string, fields map[string]string, f *FilePart) Response {
	t.Helper()
	body, ct := MultipartBody(t, fields, f)
	req, err := http.NewRequestWithContext(context.Background(), method, inst.API+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", ct)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := inst.Client.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Upload creates a document with a file as acct and returns it.
func Upload(t *testing.T, inst *Instance, acct Account, residenceID int64, f FilePart) client.Document {
	t.Helper()
	r := SendMultipart(t, inst, http.MethodPost, "/documents", acct.Token,
		map[string]string{"residence_id": strconv.FormatInt(residenceID, 10), "title": "Doc " + f.Name, "type": "receipt"}, &f)
	require.Equal(t, http.StatusCreated, r.Status, "uploading %s: %s", f.Name, r.Body)
	var d client.Document
	r.JSON(t, &d)
	return d
}

// CreateDocument creates a document without a file as acct and returns it.
func CreateDocument(t *testing.T, inst *Instance, acct Account, body map[string]any) client.Document {
	t.Helper()
	r := inst.Do(t, Request{Method: http.MethodPost, Path: "/documents", Token: acct.Token, Body: body})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var d client.Document
	r.JSON(t, &d)
	return d
}

// ListDocuments lists the documents acct sees, with query (such as "?type=warranty") appended.
func ListDocuments(t *testing.T, inst *Instance, acct Account, query string) []client.Document {
	t.Helper()
	r := inst.Do(t, Request{Method: http.MethodGet, Path: "/documents" + query, Token: acct.Token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var list []client.Document
	r.JSON(t, &list)
	return list
}

// Download sends GET /documents/{id}/file as acct, with header.
func Download(t *testing.T, inst *Instance, acct Account, id int64, header http.Header) Response {
	t.Helper()
	return inst.Do(t, Request{Method: http.MethodGet, Path: fmt.Sprintf("/documents/%d/file", id),
		Token: acct.Token, Header: header})
}
