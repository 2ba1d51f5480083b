package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/app/api"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
)

// Test files: real bytes of each accepted type (a PNG encoded here, a minimal PDF, and the leading bytes
// that identify JPEG, WebP and HEIC files) and some that must be refused.
var (
	testPDF = []byte("%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
		"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
	testPNG  = encodePNG()
	testJPEG = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"), bytes.Repeat([]byte{0}, 64)...)
	testWebP = append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), bytes.Repeat([]byte{0}, 32)...)
	testHEIC = append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), bytes.Repeat([]byte{0}, 32)...)
)

func encodePNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range 4 {
		img.Set(i, i, color.RGBA{R: 200, G: uint8(40 * i), B: 10, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// startDocuments runs an instance whose files go to a directory of the test's own, which it returns. Its
// pool is small: the package's tests together come close to the test server's connection limit.
func startDocuments(t *testing.T, configure func(*config.Config)) (*apptest.Instance, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "files")
	inst := apptest.Start(t, apptest.Options{NoSeed: true, Configure: func(c *config.Config) {
		c.DBMinConns, c.DBMaxConns = 1, 4
		c.FileStorageURL = "file://" + dir
		if configure != nil {
			configure(c)
		}
	}})
	return inst, dir
}

// storedFiles lists the files in a storage directory, relative to it.
func storedFiles(t *testing.T, dir string) []string {
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

// addedFiles returns the stored files that are not in before.
func addedFiles(t *testing.T, dir string, before []string) []string {
	t.Helper()
	out := []string{}
	for _, f := range storedFiles(t, dir) {
		if !slices.Contains(before, f) {
			out = append(out, f)
		}
	}
	return out
}

// filePart is the file of a multipart request.
type filePart struct {
	name, contentType string
	content           []byte
}

// multipartBody encodes fields and, when f is not nil, the file part.
func multipartBody(t *testing.T, fields map[string]string, f *filePart) (body []byte, contentType string) {
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
		quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(f.name)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, quoted))
		h.Set("Content-Type", f.contentType)
		part, err := w.CreatePart(h)
		require.NoError(t, err)
		_, err = part.Write(f.content)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return b.Bytes(), w.FormDataContentType()
}

// sendMultipart sends a multipart request through the contract-checking client.
func sendMultipart(t *testing.T, inst *apptest.Instance, method, path, token string, fields map[string]string, f *filePart) apptest.Response {
	t.Helper()
	body, ct := multipartBody(t, fields, f)
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
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// upload creates a document with a file as acct and returns it.
func upload(t *testing.T, inst *apptest.Instance, acct apptest.Account, residenceID int64, f filePart) client.Document {
	t.Helper()
	r := sendMultipart(t, inst, http.MethodPost, "/documents", acct.Token,
		map[string]string{"residence_id": strconv.FormatInt(residenceID, 10), "title": "Doc " + f.name, "type": "receipt"}, &f)
	require.Equal(t, http.StatusCreated, r.Status, "uploading %s: %s", f.name, r.Body)
	var d client.Document
	r.JSON(t, &d)
	return d
}

// createDocument creates a document without a file as acct and returns it.
func createDocument(t *testing.T, inst *apptest.Instance, acct apptest.Account, body map[string]any) client.Document {
	t.Helper()
	r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/documents", Token: acct.Token, Body: body})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var d client.Document
	r.JSON(t, &d)
	return d
}

func listDocuments(t *testing.T, inst *apptest.Instance, acct apptest.Account, query string) []client.Document {
	t.Helper()
	r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/documents" + query, Token: acct.Token})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var list []client.Document
	r.JSON(t, &list)
	return list
}

func download(t *testing.T, inst *apptest.Instance, acct apptest.Account, id int64, header http.Header) apptest.Response {
	t.Helper()
	return inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/documents/%d/file", id),
		Token: acct.Token, Header: header})
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// newDocumentTask makes a task in a residence and returns its id.
func newDocumentTask(t *testing.T, inst *apptest.Instance, acct apptest.Account, residenceID int64) int64 {
	t.Helper()
	r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/tasks", Token: acct.Token,
		Body: map[string]any{"residence_id": residenceID, "title": "Service the boiler"}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var task client.Task
	r.JSON(t, &task)
	return task.ID
}

// TestDocumentFiles covers what happens to stored files. Its parts share one instance and storage directory
// and run one after another, each comparing the directory before and after.
func TestDocumentFiles(t *testing.T) {
	t.Parallel()
	inst, dir := startDocuments(t, nil)
	for _, part := range []struct {
		name string
		test func(t *testing.T, inst *apptest.Instance, dir string)
	}{
		{"UploadAndDownload", testUploadAndDownload},
		{"AcceptedTypes", testAcceptedTypes},
		{"RolledBackInsertLeavesNoFile", testRolledBackInsertLeavesNoFile},
		{"ReplaceFile", testReplaceFile},
		{"Delete", testDelete},
		{"ResidenceDeletionDeletesDocumentFiles", testResidenceDeletionDeletesFiles},
	} {
		t.Run(part.name, func(t *testing.T) { part.test(t, inst, dir) })
	}
}

// TestDocumentMetadata covers creation without files, validation, updates, listing, warranties, and the
// authorization matrix of every document endpoint; its parts share one instance and run in parallel.
func TestDocumentMetadata(t *testing.T) {
	t.Parallel()
	inst, _ := startDocuments(t, nil)
	for _, part := range []struct {
		name string
		test func(t *testing.T, inst *apptest.Instance)
	}{
		{"CreateWithoutFile", testCreateWithoutFile},
		{"Update", testUpdate},
		{"ListFilters", testListFilters},
		{"Warranties", testWarranties},
		{"Authorization", testAuthorization},
	} {
		t.Run(part.name, func(t *testing.T) {
			t.Parallel()
			part.test(t, inst)
		})
	}
}

func testUploadAndDownload(t *testing.T, inst *apptest.Instance, dir string) {
	h := newHousehold(t, inst)
	before := storedFiles(t, dir)
	name := "Quittung März \"neu\".png"
	doc := upload(t, inst, h.editor, h.residenceID, filePart{name: name, contentType: "application/octet-stream", content: testPNG})

	require.False(t, doc.File.Null, "the document has a file")
	require.Equal(t, "image/png", doc.File.Value.ContentType, "the type comes from the bytes, not the declared type")
	require.Equal(t, int64(len(testPNG)), doc.File.Value.SizeBytes)
	require.Equal(t, sha256Hex(testPNG), doc.File.Value.SHA256)
	require.Equal(t, name, doc.File.Value.FileName)
	require.EqualValues(t, "receipt", doc.Type)
	require.Equal(t, h.editor.ID, doc.CreatedBy.Value)

	files := addedFiles(t, dir, before)
	require.Len(t, files, 1, "one stored file")
	require.Regexp(t, regexp.MustCompile(`^documents/\d{4}/[0-9a-f]{32}$`), files[0], "the key is generated, not the file name")
	stored, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(files[0])))
	require.NoError(t, err)
	require.Equal(t, testPNG, stored, "the stored bytes are the uploaded ones")

	etag := `"` + doc.File.Value.SHA256[:32] + `"`
	t.Run("DownloadsTheWholeFileToEveryMember", func(t *testing.T) {
		t.Parallel()
		for _, acct := range []apptest.Account{h.owner, h.editor, h.viewer} {
			r := download(t, inst, acct, doc.ID, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			require.Equal(t, testPNG, r.Body)
			require.Equal(t, etag, r.Header.Get("ETag"))
			require.Equal(t, "bytes", r.Header.Get("Accept-Ranges"))
			require.Equal(t, strconv.Itoa(len(testPNG)), r.Header.Get("Content-Length"))
			require.Equal(t, "image/png", r.Header.Get("Content-Type"), "served with the type detected at upload")
			require.Equal(t, `attachment; filename="Quittung M_rz _neu_.png"; filename*=UTF-8''Quittung%20M%C3%A4rz%20%22neu%22.png`,
				r.Header.Get("Content-Disposition"))
		}
	})
	t.Run("MetadataShowsTheFile", func(t *testing.T) {
		t.Parallel()
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.viewer.Token})
		require.Equal(t, http.StatusOK, r.Status)
		var got client.Document
		r.JSON(t, &got)
		require.Equal(t, doc, got)
	})

	ranges := []struct {
		name, header string
		from, to     int // the bytes expected: testPNG[from:to]
	}{
		{"FirstBytes", "bytes=0-3", 0, 4},
		{"Suffix", "bytes=-4", len(testPNG) - 4, len(testPNG)},
		{"OpenEnded", "bytes=10-", 10, len(testPNG)},
		{"EndPastTheFileIsClamped", "bytes=5-999999", 5, len(testPNG)},
		{"SuffixLongerThanTheFile", "bytes=-999999", 0, len(testPNG)},
	}
	for _, tt := range ranges {
		t.Run("Range"+tt.name, func(t *testing.T) {
			t.Parallel()
			r := download(t, inst, h.viewer, doc.ID, http.Header{"Range": {tt.header}})
			require.Equal(t, http.StatusPartialContent, r.Status, string(r.Body))
			require.Equal(t, testPNG[tt.from:tt.to], r.Body)
			require.Equal(t, fmt.Sprintf("bytes %d-%d/%d", tt.from, tt.to-1, len(testPNG)), r.Header.Get("Content-Range"))
			require.Equal(t, etag, r.Header.Get("ETag"))
			require.Equal(t, strconv.Itoa(tt.to-tt.from), r.Header.Get("Content-Length"))
			require.NotEmpty(t, r.Header.Get("Content-Disposition"))
		})
	}
	for _, header := range []string{"bytes=0-1,4-5", "bytes=abc", "items=0-3", "bytes=5-2"} {
		t.Run("IgnoredRangeServesTheWholeFile "+header, func(t *testing.T) {
			t.Parallel()
			r := download(t, inst, h.viewer, doc.ID, http.Header{"Range": {header}})
			require.Equal(t, http.StatusOK, r.Status, "Range: %s", header)
			require.Equal(t, testPNG, r.Body)
		})
	}
	for _, header := range []string{fmt.Sprintf("bytes=%d-", len(testPNG)), "bytes=999999-1000000", "bytes=-0"} {
		t.Run("UnsatisfiableRange "+header, func(t *testing.T) {
			t.Parallel()
			r := download(t, inst, h.viewer, doc.ID, http.Header{"Range": {header}})
			require.Equal(t, http.StatusRequestedRangeNotSatisfiable, r.Status, "Range: %s", header)
			require.Equal(t, "range_not_satisfiable", r.Err(t).Error.Code)
			require.Equal(t, fmt.Sprintf("bytes */%d", len(testPNG)), r.Header.Get("Content-Range"))
		})
	}
	t.Run("IfNoneMatchWithTheETagIs304", func(t *testing.T) {
		t.Parallel()
		for _, header := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
			r := download(t, inst, h.viewer, doc.ID, http.Header{"If-None-Match": {header}})
			require.Equal(t, http.StatusNotModified, r.Status, "If-None-Match: %s", header)
			require.Empty(t, r.Body)
			require.Equal(t, etag, r.Header.Get("ETag"))
		}
	})
	t.Run("IfNoneMatchWithAnotherETagServesTheFile", func(t *testing.T) {
		t.Parallel()
		r := download(t, inst, h.viewer, doc.ID, http.Header{"If-None-Match": {`"0123"`}})
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, testPNG, r.Body)
	})
	t.Run("ListsTheDocument", func(t *testing.T) {
		t.Parallel()
		list := listDocuments(t, inst, h.viewer, "")
		require.Len(t, list, 1)
		require.Equal(t, doc, list[0])
	})
}

func testAcceptedTypes(t *testing.T, inst *apptest.Instance, dir string) {
	h := newHousehold(t, inst)
	before := storedFiles(t, dir)
	// Runs once every subtest has finished: each new file belongs to an accepted upload.
	t.Cleanup(func() { require.Len(t, addedFiles(t, dir, before), 5, "only the accepted uploads are stored") })

	accepted := []struct {
		name    string
		content []byte
		want    string
	}{
		{"PDF", testPDF, "application/pdf"},
		{"PNG", testPNG, "image/png"},
		{"JPEG", testJPEG, "image/jpeg"},
		{"WebP", testWebP, "image/webp"},
		{"HEIC", testHEIC, "image/heic"},
	}
	for _, tt := range accepted {
		t.Run("Accepts"+tt.name, func(t *testing.T) {
			t.Parallel()
			doc := upload(t, inst, h.owner, h.residenceID, filePart{name: "scan", contentType: "application/octet-stream", content: tt.content})
			require.Equal(t, tt.want, doc.File.Value.ContentType)
			r := download(t, inst, h.owner, doc.ID, nil)
			require.Equal(t, tt.content, r.Body)
			require.Equal(t, tt.want, r.Header.Get("Content-Type"))
		})
	}

	refused := []struct {
		name, fileName, declared string
		content                  []byte
		status                   int
		code                     string
	}{
		{"TextNamedPDF", "invoice.pdf", "application/pdf", []byte("This is not a PDF, whatever its name says.\n"), 415, "unsupported_media_type"},
		{"HTMLDeclaredPNG", "photo.png", "image/png", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), 415, "unsupported_media_type"},
		{"Zip", "archive.pdf", "application/pdf", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00 not a pdf"), 415, "unsupported_media_type"},
		{"AVIF", "photo.heic", "image/heic", append([]byte("\x00\x00\x00\x1cftypavif"), bytes.Repeat([]byte{0}, 32)...), 415, "unsupported_media_type"},
		{"Empty", "empty.pdf", "application/pdf", nil, 400, "validation_failed"},
	}
	for _, tt := range refused {
		t.Run("Refuses"+tt.name, func(t *testing.T) {
			t.Parallel()
			owner := inst.Register(t)
			rid := createResidence(t, inst, owner, "Refusals")
			r := sendMultipart(t, inst, http.MethodPost, "/documents", owner.Token,
				map[string]string{"residence_id": strconv.FormatInt(rid, 10), "title": "Spoof"},
				&filePart{name: tt.fileName, contentType: tt.declared, content: tt.content})
			require.Equal(t, tt.status, r.Status, string(r.Body))
			e := r.Err(t)
			require.Equal(t, tt.code, e.Error.Code)
			require.Contains(t, e.Error.Fields.Value, "file", "the error names the file field")
			require.Empty(t, listDocuments(t, inst, owner, ""), "no row")
		})
	}
}

func TestDocumentUploadLimits(t *testing.T) {
	t.Parallel()
	const limit = 4096
	inst, dir := startDocuments(t, func(c *config.Config) { c.MaxUploadSize = limit })
	h := newHousehold(t, inst)
	pngOfSize := func(n int) []byte { return append(slices.Clone(testPNG), make([]byte, n-len(testPNG))...) }
	// Runs once every subtest has finished.
	t.Cleanup(func() { require.Len(t, storedFiles(t, dir), 2, "only the two accepted uploads are stored") })

	t.Run("AcceptsAFileOfExactlyTheLimit", func(t *testing.T) {
		t.Parallel()
		doc := upload(t, inst, h.owner, h.residenceID, filePart{name: "max.png", contentType: "image/png", content: pngOfSize(limit)})
		require.Equal(t, int64(limit), doc.File.Value.SizeBytes)
	})
	tests := []struct {
		name string
		size int
	}{
		{"RejectsOneByteOver", limit + 1},
		{"RejectsABodyFarOverTheLimit", limit + api.UploadOverhead + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			owner := inst.Register(t)
			rid := createResidence(t, inst, owner, "Limits")
			r := sendMultipart(t, inst, http.MethodPost, "/documents", owner.Token,
				map[string]string{"residence_id": strconv.FormatInt(rid, 10), "title": "Big"},
				&filePart{name: "big.png", contentType: "image/png", content: pngOfSize(tt.size)})
			require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, string(r.Body))
			require.Equal(t, "request_too_large", r.Err(t).Error.Code)
			require.Empty(t, listDocuments(t, inst, owner, ""), "no row")
		})
	}
	t.Run("RejectsAnUndeclaredBodyWhileReadingIt", func(t *testing.T) {
		t.Parallel()
		// The contract-checking client always declares the length; a chunked body is only checked as it is read.
		body, ct := multipartBody(t, map[string]string{"residence_id": strconv.FormatInt(h.residenceID, 10), "title": "Big"},
			&filePart{name: "big.png", contentType: "image/png", content: pngOfSize(limit + api.UploadOverhead + 1)})
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, inst.API+"/documents",
			io.MultiReader(bytes.NewReader(body))) // an unknown length: sent chunked
		require.NoError(t, err)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+h.owner.Token)
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		r := apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, string(b))
		e := r.Err(t)
		require.Equal(t, "request_too_large", e.Error.Code)
		require.Contains(t, e.Error.Message, "request body", "the body limit stopped the upload, not the file check")
	})
	t.Run("ReplaceRejectsOneByteOver", func(t *testing.T) {
		t.Parallel()
		doc := upload(t, inst, h.owner, h.residenceID, filePart{name: "small.pdf", contentType: "application/pdf", content: testPDF})
		r := sendMultipart(t, inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", doc.ID), h.owner.Token, nil,
			&filePart{name: "big.png", contentType: "image/png", content: pngOfSize(limit + 1)})
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, string(r.Body))
		require.Equal(t, testPDF, download(t, inst, h.owner, doc.ID, nil).Body, "the old file stays")
	})
	t.Run("JSONCreateKeepsTheJSONLimit", func(t *testing.T) {
		t.Parallel()
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/documents", Token: h.owner.Token,
			Body: map[string]any{"residence_id": h.residenceID, "title": "Huge", "description": strings.Repeat("x", 2<<20)}, Invalid: true})
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	})
}

func testCreateWithoutFile(t *testing.T, inst *apptest.Instance) {
	h := newHousehold(t, inst)

	t.Run("StoresEveryField", func(t *testing.T) {
		t.Parallel()
		taskID := newDocumentTask(t, inst, h.owner, h.residenceID)
		doc := createDocument(t, inst, h.editor, map[string]any{
			"residence_id": h.residenceID, "title": "  Dishwasher warranty ", "description": "Bought at the fair",
			"type": "warranty", "vendor": "Bosch", "model_number": "SMS6", "serial_number": "SN-1",
			"purchase_date": "2024-02-03", "purchase_price": 649.99, "expiry_date": "2027-02-03",
			"warranty_provider": "Bosch Service", "claim_phone": "+49 89 123", "claim_url": "https://bosch.example/claim",
			"task_id": taskID,
		})
		require.Equal(t, "Dishwasher warranty", doc.Title, "trimmed")
		require.EqualValues(t, "warranty", doc.Type)
		require.Equal(t, "2027-02-03", doc.ExpiryDate.Value.Format(time.DateOnly))
		require.Equal(t, 649.99, doc.PurchasePrice.Value)
		require.Equal(t, taskID, doc.TaskID.Value)
		require.Equal(t, "https://bosch.example/claim", doc.ClaimURL)
		require.True(t, doc.File.Null, "no file")
		r := download(t, inst, h.owner, doc.ID, nil)
		require.Equal(t, http.StatusNotFound, r.Status, "a document without a file has nothing to download")
	})
	t.Run("DefaultsToGeneral", func(t *testing.T) {
		t.Parallel()
		doc := createDocument(t, inst, h.owner, map[string]any{"residence_id": h.residenceID, "title": "Notes"})
		require.EqualValues(t, "general", doc.Type)
		require.True(t, doc.PurchaseDate.Null)
		require.True(t, doc.TaskID.Null)
	})

	other := createResidence(t, inst, h.owner, "Elsewhere")
	foreignTask := newDocumentTask(t, inst, h.owner, other)
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"RejectsBlankTitle", map[string]any{"title": "   "}, "title"},
		{"RejectsNonHTTPClaimURL", map[string]any{"title": "x", "claim_url": "javascript:alert(1)"}, "claim_url"},
		{"RejectsRelativeClaimURL", map[string]any{"title": "x", "claim_url": "/claims"}, "claim_url"},
		{"RejectsMultilineVendor", map[string]any{"title": "x", "vendor": "a\nb"}, "vendor"},
		{"RejectsTaskOfAnotherResidence", map[string]any{"title": "x", "task_id": foreignTask}, "task_id"},
		{"RejectsUnknownTask", map[string]any{"title": "x", "task_id": 999999999}, "task_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			owner := inst.Register(t)
			rid := createResidence(t, inst, owner, "Validation")
			tt.body["residence_id"] = rid
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/documents", Token: owner.Token, Body: tt.body})
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			require.Contains(t, r.Err(t).Error.Fields.Value, tt.field, string(r.Body))
			require.Empty(t, listDocuments(t, inst, owner, ""), "nothing stored")
		})
	}
}

func testRolledBackInsertLeavesNoFile(t *testing.T, inst *apptest.Instance, dir string) {
	h := newHousehold(t, inst)
	before := storedFiles(t, dir)
	other := createResidence(t, inst, h.owner, "Elsewhere")
	foreignTask := newDocumentTask(t, inst, h.owner, other)

	// The caller may write to the residence, so the file is stored; the insert then refuses the task of
	// another residence, and the file must go with it.
	r := sendMultipart(t, inst, http.MethodPost, "/documents", h.editor.Token,
		map[string]string{"residence_id": strconv.FormatInt(h.residenceID, 10), "title": "Manual",
			"task_id": strconv.FormatInt(foreignTask, 10)},
		&filePart{name: "manual.pdf", contentType: "application/pdf", content: testPDF})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	require.Contains(t, r.Err(t).Error.Fields.Value, "task_id")
	require.Empty(t, listDocuments(t, inst, h.owner, ""), "no row")
	require.Empty(t, addedFiles(t, dir, before), "the file written before the refused insert is deleted")
}

func testReplaceFile(t *testing.T, inst *apptest.Instance, dir string) {
	h := newHousehold(t, inst)

	t.Run("ReplacesAndDeletesTheOldFile", func(t *testing.T) {
		start := storedFiles(t, dir)
		doc := upload(t, inst, h.owner, h.residenceID, filePart{name: "v1.pdf", contentType: "application/pdf", content: testPDF})
		before := addedFiles(t, dir, start)
		require.Len(t, before, 1)
		oldETag := download(t, inst, h.owner, doc.ID, nil).Header.Get("ETag")

		r := sendMultipart(t, inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", doc.ID), h.editor.Token, nil,
			&filePart{name: "v2.png", contentType: "application/pdf", content: testPNG})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var got client.Document
		r.JSON(t, &got)
		require.Equal(t, "image/png", got.File.Value.ContentType)
		require.Equal(t, "v2.png", got.File.Value.FileName)
		require.Equal(t, sha256Hex(testPNG), got.File.Value.SHA256)
		require.Equal(t, doc.Title, got.Title, "the metadata stays")

		after := addedFiles(t, dir, start)
		require.Len(t, after, 1, "the old file is deleted")
		require.NotEqual(t, before[0], after[0], "the new file has a new key")

		d := download(t, inst, h.viewer, doc.ID, nil)
		require.Equal(t, testPNG, d.Body, "the new file is served")
		require.NotEqual(t, oldETag, d.Header.Get("ETag"))
		require.Equal(t, http.StatusOK, download(t, inst, h.viewer, doc.ID, http.Header{"If-None-Match": {oldETag}}).Status,
			"the old ETag no longer matches")

		require.Equal(t, http.StatusNoContent, inst.Do(t, apptest.Request{Method: http.MethodDelete,
			Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.owner.Token}).Status)
	})
	t.Run("AddsAFileToADocumentWithout", func(t *testing.T) {
		start := storedFiles(t, dir)
		doc := createDocument(t, inst, h.owner, map[string]any{"residence_id": h.residenceID, "title": "Later"})
		r := sendMultipart(t, inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", doc.ID), h.owner.Token, nil,
			&filePart{name: "later.pdf", contentType: "application/pdf", content: testPDF})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		require.Equal(t, testPDF, download(t, inst, h.owner, doc.ID, nil).Body)
		require.Len(t, addedFiles(t, dir, start), 1)
	})
	t.Run("RefusedReplaceKeepsTheOldFileAndStoresNothing", func(t *testing.T) {
		doc := upload(t, inst, h.owner, h.residenceID, filePart{name: "keep.pdf", contentType: "application/pdf", content: testPDF})
		before := storedFiles(t, dir)
		for _, tt := range []struct {
			acct apptest.Account
			want int
		}{{h.viewer, http.StatusForbidden}, {h.stranger, http.StatusNotFound}} {
			r := sendMultipart(t, inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", doc.ID), tt.acct.Token, nil,
				&filePart{name: "evil.png", contentType: "image/png", content: testPNG})
			require.Equal(t, tt.want, r.Status, string(r.Body))
		}
		require.Equal(t, before, storedFiles(t, dir))
		require.Equal(t, testPDF, download(t, inst, h.owner, doc.ID, nil).Body)
	})
}

func testDelete(t *testing.T, inst *apptest.Instance, dir string) {
	h := newHousehold(t, inst)
	start := storedFiles(t, dir)
	doc := upload(t, inst, h.owner, h.residenceID, filePart{name: "gone.pdf", contentType: "application/pdf", content: testPDF})
	kept := upload(t, inst, h.owner, h.residenceID, filePart{name: "kept.png", contentType: "image/png", content: testPNG})
	require.Len(t, addedFiles(t, dir, start), 2)

	r := inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.editor.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.Equal(t, http.StatusNotFound, inst.Do(t, apptest.Request{Method: http.MethodGet,
		Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.owner.Token}).Status, "the row is gone")
	require.Equal(t, http.StatusNotFound, download(t, inst, h.owner, doc.ID, nil).Status)
	require.Len(t, addedFiles(t, dir, start), 1, "the file is gone")
	require.Equal(t, testPNG, download(t, inst, h.owner, kept.ID, nil).Body, "the other document's file stays")

	r = inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.owner.Token})
	require.Equal(t, http.StatusNotFound, r.Status, "deleting twice")
}

func testUpdate(t *testing.T, inst *apptest.Instance) {
	h := newHousehold(t, inst)
	taskID := newDocumentTask(t, inst, h.owner, h.residenceID)
	other := createResidence(t, inst, h.owner, "Elsewhere")
	foreignTask := newDocumentTask(t, inst, h.owner, other)

	newDoc := func(t *testing.T) client.Document {
		return createDocument(t, inst, h.owner, map[string]any{"residence_id": h.residenceID, "title": "Boiler",
			"vendor": "Vaillant", "purchase_date": "2020-01-02", "purchase_price": 1200, "task_id": taskID})
	}
	patch := func(t *testing.T, id int64, body map[string]any) apptest.Response {
		return inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/documents/%d", id), Token: h.editor.Token, Body: body})
	}

	t.Run("NullClearsAndAbsentKeeps", func(t *testing.T) {
		t.Parallel()
		doc := newDoc(t)
		r := patch(t, doc.ID, map[string]any{"purchase_date": nil, "task_id": nil, "title": "Boiler 2", "type": "manual",
			"expiry_date": "2030-01-01", "claim_url": ""})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var got client.Document
		r.JSON(t, &got)
		require.True(t, got.PurchaseDate.Null, "null clears")
		require.True(t, got.TaskID.Null, "null unlinks the task")
		require.Equal(t, 1200.0, got.PurchasePrice.Value, "absent keeps")
		require.Equal(t, "Vaillant", got.Vendor, "absent keeps")
		require.Equal(t, "Boiler 2", got.Title)
		require.EqualValues(t, "manual", got.Type)
		require.Equal(t, "2030-01-01", got.ExpiryDate.Value.Format(time.DateOnly))
	})
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"RejectsTaskOfAnotherResidence", map[string]any{"task_id": foreignTask}, "task_id"},
		{"RejectsBadClaimURL", map[string]any{"claim_url": "ftp://claims.example"}, "claim_url"},
		{"RejectsBlankTitle", map[string]any{"title": " "}, "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := newDoc(t)
			r := patch(t, doc.ID, tt.body)
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			require.Contains(t, r.Err(t).Error.Fields.Value, tt.field)
			var got client.Document
			inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.owner.Token}).JSON(t, &got)
			require.Equal(t, doc, got, "nothing changed")
		})
	}
}

func testListFilters(t *testing.T, inst *apptest.Instance) {
	h := newHousehold(t, inst)
	second := createResidence(t, inst, h.owner, "Second home")
	mk := func(residenceID int64, title, typ, vendor, serial string) int64 {
		return createDocument(t, inst, h.owner, map[string]any{"residence_id": residenceID, "title": title, "type": typ,
			"vendor": vendor, "serial_number": serial}).ID
	}
	fridge := mk(h.residenceID, "Fridge manual", "manual", "Miele", "")
	discount := mk(h.residenceID, "Receipt 100% off", "receipt", "", "")
	under := mk(h.residenceID, "Receipt a_b", "receipt", "", "X_1")
	plain := mk(second, "Receipt ab", "receipt", "Miele", "")

	ids := func(list []client.Document) []int64 {
		out := []int64{}
		for _, d := range list {
			out = append(out, d.ID)
		}
		return out
	}
	tests := []struct {
		name, query string
		want        []int64
	}{
		{"NewestFirst", "", []int64{plain, under, discount, fridge}},
		{"ByResidence", fmt.Sprintf("?residence_id=%d", second), []int64{plain}},
		{"ByType", "?type=manual", []int64{fridge}},
		{"SearchIsCaseInsensitiveOverVendor", "?q=miele", []int64{plain, fridge}},
		{"SearchPercentIsLiteral", "?q=" + url.QueryEscape("100%"), []int64{discount}},
		{"SearchUnderscoreIsLiteral", "?q=a_b", []int64{under}},
		{"SearchCoversSerialNumbers", "?q=x_1", []int64{under}},
		{"FiltersCombine", fmt.Sprintf("?type=receipt&q=receipt&residence_id=%d", h.residenceID), []int64{under, discount}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, ids(listDocuments(t, inst, h.owner, tt.query)))
		})
	}
	t.Run("MembersSeeOnlyTheirResidences", func(t *testing.T) {
		t.Parallel()
		require.ElementsMatch(t, []int64{fridge, discount, under}, ids(listDocuments(t, inst, h.viewer, "")))
		require.Empty(t, listDocuments(t, inst, h.viewer, fmt.Sprintf("?residence_id=%d", second)))
		require.Empty(t, listDocuments(t, inst, h.stranger, ""))
	})
}

func testWarranties(t *testing.T, inst *apptest.Instance) {
	owner := inst.Register(t)
	// A timezone far from UTC: "today" there differs from UTC's for half the day.
	const tz = "Pacific/Kiritimati"
	r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: owner.Token,
		Body: map[string]any{"name": "Island house", "timezone": tz}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var res client.Residence
	r.JSON(t, &res)
	loc, err := time.LoadLocation(tz)
	require.NoError(t, err)
	today := time.Now().In(loc)
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }

	const within = 30
	mk := func(title, typ string, expiry *string) int64 {
		body := map[string]any{"residence_id": res.ID, "title": title, "type": typ}
		if expiry != nil {
			body["expiry_date"] = *expiry
		}
		return createDocument(t, inst, owner, body).ID
	}
	ptr := func(s string) *string { return &s }
	later := mk("Expires after the window", "warranty", ptr(day(within+1)))
	edge := mk("Expires at the window's edge", "warranty", ptr(day(within)))
	todayID := mk("Expires today", "warranty", ptr(day(0)))
	yesterday := mk("Expired yesterday", "warranty", ptr(day(-1)))
	mk("Not a warranty", "receipt", ptr(day(1)))
	mk("No expiry", "warranty", nil)

	type row struct {
		id      int64
		days    int
		expired bool
	}
	list := func(t *testing.T, query string) []row {
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/documents/warranties" + query, Token: owner.Token})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var ws []client.Warranty
		r.JSON(t, &ws)
		out := []row{}
		for _, w := range ws {
			out = append(out, row{w.Document.ID, int(w.DaysRemaining), w.Expired})
		}
		return out
	}

	t.Run("AllSoonestFirstWithExpiredFlagged", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, []row{{yesterday, -1, true}, {todayID, 0, false}, {edge, within, false}, {later, within + 1, false}},
			list(t, ""))
	})
	t.Run("WithinNDaysKeepsDayNAndExpired", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, []row{{yesterday, -1, true}, {todayID, 0, false}, {edge, within, false}},
			list(t, fmt.Sprintf("?expiring_within_days=%d", within)))
	})
	t.Run("WithinZeroDaysKeepsTodayAndExpired", func(t *testing.T) {
		t.Parallel()
		require.Equal(t, []row{{yesterday, -1, true}, {todayID, 0, false}}, list(t, "?expiring_within_days=0"))
	})
	t.Run("OthersSeeNone", func(t *testing.T) {
		t.Parallel()
		stranger := inst.Register(t)
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/documents/warranties", Token: stranger.Token})
		require.Equal(t, http.StatusOK, r.Status)
		require.JSONEq(t, "[]", string(r.Body))
	})
}

func testAuthorization(t *testing.T, inst *apptest.Instance) {

	// fixture is a household with a document that has a file.
	type fixture struct {
		household
		doc client.Document
	}
	type call func(t *testing.T, f fixture, token string) apptest.Response
	jsonCall := func(method string, path func(f fixture) string, body func(f fixture) any) call {
		return func(t *testing.T, f fixture, token string) apptest.Response {
			req := apptest.Request{Method: method, Path: path(f), Token: token}
			if body != nil {
				req.Body = body(f)
			}
			return inst.Do(t, req)
		}
	}
	docPath := func(suffix string) func(f fixture) string {
		return func(f fixture) string { return fmt.Sprintf("/documents/%d%s", f.doc.ID, suffix) }
	}
	endpoints := []struct {
		name string
		call call
		// want holds the status for owner, editor, viewer, stranger, anonymous.
		want [5]int
	}{
		{"ListDocuments", jsonCall(http.MethodGet, func(f fixture) string { return fmt.Sprintf("/documents?residence_id=%d", f.residenceID) }, nil),
			[5]int{200, 200, 200, 200, 401}},
		{"ListWarranties", jsonCall(http.MethodGet, func(fixture) string { return "/documents/warranties" }, nil),
			[5]int{200, 200, 200, 200, 401}},
		{"CreateDocumentJSON", jsonCall(http.MethodPost, func(fixture) string { return "/documents" },
			func(f fixture) any { return map[string]any{"residence_id": f.residenceID, "title": "New"} }),
			[5]int{201, 201, 403, 404, 401}},
		{"CreateDocumentUpload", func(t *testing.T, f fixture, token string) apptest.Response {
			return sendMultipart(t, inst, http.MethodPost, "/documents", token,
				map[string]string{"residence_id": strconv.FormatInt(f.residenceID, 10), "title": "New"},
				&filePart{name: "new.pdf", contentType: "application/pdf", content: testPDF})
		}, [5]int{201, 201, 403, 404, 401}},
		{"GetDocument", jsonCall(http.MethodGet, docPath(""), nil), [5]int{200, 200, 200, 404, 401}},
		{"UpdateDocument", jsonCall(http.MethodPatch, docPath(""), func(fixture) any { return map[string]any{"title": "Changed"} }),
			[5]int{200, 200, 403, 404, 401}},
		{"DeleteDocument", jsonCall(http.MethodDelete, docPath(""), nil), [5]int{204, 204, 403, 404, 401}},
		{"GetDocumentFile", jsonCall(http.MethodGet, docPath("/file"), nil), [5]int{200, 200, 200, 404, 401}},
		{"ReplaceDocumentFile", func(t *testing.T, f fixture, token string) apptest.Response {
			return sendMultipart(t, inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", f.doc.ID), token, nil,
				&filePart{name: "new.png", contentType: "image/png", content: testPNG})
		}, [5]int{200, 200, 403, 404, 401}},
	}
	roles := []string{"Owner", "Editor", "Viewer", "Stranger", "Anonymous"}
	for _, ep := range endpoints {
		for i, role := range roles {
			t.Run(ep.name+"As"+role, func(t *testing.T) {
				t.Parallel()
				h := newHousehold(t, inst)
				f := fixture{household: h, doc: upload(t, inst, h.owner, h.residenceID,
					filePart{name: "secret-" + h.name + ".pdf", contentType: "application/pdf", content: testPDF})}
				token := []string{h.owner.Token, h.editor.Token, h.viewer.Token, h.stranger.Token, ""}[i]
				r := ep.call(t, f, token)
				require.Equal(t, ep.want[i], r.Status, "%s as %s: %s", ep.name, role, r.Body)
				if r.Status >= 400 {
					require.NotContains(t, string(r.Body), h.name, "an error must not leak the residence or the document")
					wantCode := map[int]string{401: "unauthorized", 403: "forbidden", 404: "not_found"}[r.Status]
					require.Equal(t, wantCode, r.Err(t).Error.Code)
				}
				if ep.want[i] == http.StatusOK && strings.HasPrefix(ep.name, "List") && role == "Stranger" {
					require.JSONEq(t, "[]", string(r.Body), "a stranger lists nothing")
				}
				if r.Status >= 400 {
					// A refused write changed nothing.
					var got client.Document
					inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/documents/%d", f.doc.ID),
						Token: h.owner.Token}).JSON(t, &got)
					require.Equal(t, f.doc, got)
					require.Equal(t, testPDF, download(t, inst, h.owner, f.doc.ID, nil).Body)
				}
			})
		}
	}
}

func testResidenceDeletionDeletesFiles(t *testing.T, inst *apptest.Instance, dir string) {
	h := newHousehold(t, inst)
	start := storedFiles(t, dir)
	other := createResidence(t, inst, h.owner, "Kept")
	upload(t, inst, h.owner, h.residenceID, filePart{name: "a.pdf", contentType: "application/pdf", content: testPDF})
	upload(t, inst, h.editor, h.residenceID, filePart{name: "b.png", contentType: "image/png", content: testPNG})
	createDocument(t, inst, h.owner, map[string]any{"residence_id": h.residenceID, "title": "No file"})
	kept := upload(t, inst, h.owner, other, filePart{name: "c.pdf", contentType: "application/pdf", content: testPDF})
	require.Len(t, addedFiles(t, dir, start), 3)

	r := inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: h.path(""), Token: h.owner.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.Len(t, addedFiles(t, dir, start), 1, "the deleted residence's files are gone")
	require.Equal(t, testPDF, download(t, inst, h.owner, kept.ID, nil).Body, "other residences keep theirs")
	require.Empty(t, listDocuments(t, inst, h.editor, ""), "members lost access")
}
