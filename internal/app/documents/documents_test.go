package documents_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
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
	"github.com/homekeep/homekeep/internal/apitest"
	"github.com/homekeep/homekeep/internal/app/api"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
)

// Files of the other accepted types: the leading bytes that identify JPEG, WebP and HEIF files (HEIC, HEIF,
// and their sequences).
var (
	testJPEG         = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"), bytes.Repeat([]byte{0}, 64)...)
	testWebP         = append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), bytes.Repeat([]byte{0}, 32)...)
	testHEIC         = append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), bytes.Repeat([]byte{0}, 32)...)
	testHEIF         = append([]byte("\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic"), bytes.Repeat([]byte{0}, 32)...)
	testHEICSequence = append([]byte("\x00\x00\x00\x18ftyphevc\x00\x00\x00\x00msf1hevc"), bytes.Repeat([]byte{0}, 32)...)
	testHEIFSequence = append([]byte("\x00\x00\x00\x18ftypmsf1\x00\x00\x00\x00msf1iso8"), bytes.Repeat([]byte{0}, 32)...)
)

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
	inst, dir := apptest.StartDocuments(t, nil)
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
	inst, _ := apptest.StartDocuments(t, nil)
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
	h := apptest.NewHousehold(t, inst)
	before := apptest.StoredFiles(t, dir)
	name := "Quittung März \"neu\".png"
	doc := apptest.Upload(t, inst, h.Editor, h.ResidenceID, apptest.FilePart{Name: name, ContentType: "application/octet-stream", Content: apptest.TestPNG})

	require.False(t, doc.File.Null, "the document has a file")
	require.EqualValues(t, "image/png", doc.File.Value.ContentType, "the type comes from the bytes, not the declared type")
	require.Equal(t, int64(len(apptest.TestPNG)), doc.File.Value.SizeBytes)
	require.Equal(t, sha256Hex(apptest.TestPNG), doc.File.Value.SHA256)
	require.Equal(t, name, doc.File.Value.FileName)
	require.EqualValues(t, "receipt", doc.Type)
	require.Equal(t, h.Editor.ID, doc.CreatedBy.Value)

	files := apptest.AddedFiles(t, dir, before)
	require.Len(t, files, 1, "one stored file")
	require.Regexp(t, regexp.MustCompile(`^documents/\d{4}/[0-9a-f]{32}$`), files[0], "the key is generated, not the file name")
	stored, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(files[0])))
	require.NoError(t, err)
	require.Equal(t, apptest.TestPNG, stored, "the stored bytes are the uploaded ones")

	etag := `"` + doc.File.Value.SHA256[:32] + `"`
	t.Run("DownloadsTheWholeFileToEveryMember", func(t *testing.T) {
		t.Parallel()
		for _, acct := range []apptest.Account{h.Owner, h.Editor, h.Viewer} {
			r := apptest.Download(t, inst, acct, doc.ID, nil)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			require.Equal(t, apptest.TestPNG, r.Body)
			require.Equal(t, etag, r.Header.Get("ETag"))
			require.Equal(t, "bytes", r.Header.Get("Accept-Ranges"))
			require.Equal(t, strconv.Itoa(len(apptest.TestPNG)), r.Header.Get("Content-Length"))
			require.Equal(t, "image/png", r.Header.Get("Content-Type"), "served with the type detected at upload")
			require.Equal(t, `attachment; filename="Quittung M_rz _neu_.png"; filename*=UTF-8''Quittung%20M%C3%A4rz%20%22neu%22.png`,
				r.Header.Get("Content-Disposition"))
		}
	})
	t.Run("MetadataShowsTheFile", func(t *testing.T) {
		t.Parallel()
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.Viewer.Token})
		require.Equal(t, http.StatusOK, r.Status)
		var got client.Document
		r.JSON(t, &got)
		require.Equal(t, doc, got)
	})

	ranges := []struct {
		name, header string
		from, to     int // the bytes expected: apptest.TestPNG[from:to]
	}{
		{"FirstBytes", "bytes=0-3", 0, 4},
		{"Suffix", "bytes=-4", len(apptest.TestPNG) - 4, len(apptest.TestPNG)},
		{"OpenEnded", "bytes=10-", 10, len(apptest.TestPNG)},
		{"EndPastTheFileIsClamped", "bytes=5-999999", 5, len(apptest.TestPNG)},
		{"SuffixLongerThanTheFile", "bytes=-999999", 0, len(apptest.TestPNG)},
	}
	for _, tt := range ranges {
		t.Run("Range"+tt.name, func(t *testing.T) {
			t.Parallel()
			r := apptest.Download(t, inst, h.Viewer, doc.ID, http.Header{"Range": {tt.header}})
			require.Equal(t, http.StatusPartialContent, r.Status, string(r.Body))
			require.Equal(t, apptest.TestPNG[tt.from:tt.to], r.Body)
			require.Equal(t, fmt.Sprintf("bytes %d-%d/%d", tt.from, tt.to-1, len(apptest.TestPNG)), r.Header.Get("Content-Range"))
			require.Equal(t, etag, r.Header.Get("ETag"))
			require.Equal(t, strconv.Itoa(tt.to-tt.from), r.Header.Get("Content-Length"))
			require.NotEmpty(t, r.Header.Get("Content-Disposition"))
		})
	}
	for _, header := range []string{"bytes=0-1,4-5", "bytes=abc", "items=0-3", "bytes=5-2"} {
		t.Run("IgnoredRangeServesTheWholeFile "+header, func(t *testing.T) {
			t.Parallel()
			r := apptest.Download(t, inst, h.Viewer, doc.ID, http.Header{"Range": {header}})
			require.Equal(t, http.StatusOK, r.Status, "Range: %s", header)
			require.Equal(t, apptest.TestPNG, r.Body)
		})
	}
	for _, header := range []string{fmt.Sprintf("bytes=%d-", len(apptest.TestPNG)), "bytes=999999-1000000", "bytes=-0"} {
		t.Run("UnsatisfiableRange "+header, func(t *testing.T) {
			t.Parallel()
			r := apptest.Download(t, inst, h.Viewer, doc.ID, http.Header{"Range": {header}})
			require.Equal(t, http.StatusRequestedRangeNotSatisfiable, r.Status, "Range: %s", header)
			require.Equal(t, "range_not_satisfiable", r.Err(t).Error.Code)
			require.Equal(t, fmt.Sprintf("bytes */%d", len(apptest.TestPNG)), r.Header.Get("Content-Range"))
		})
	}
	t.Run("IfNoneMatchWithTheETagIs304", func(t *testing.T) {
		t.Parallel()
		for _, header := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
			r := apptest.Download(t, inst, h.Viewer, doc.ID, http.Header{"If-None-Match": {header}})
			require.Equal(t, http.StatusNotModified, r.Status, "If-None-Match: %s", header)
			require.Empty(t, r.Body)
			require.Equal(t, etag, r.Header.Get("ETag"))
		}
	})
	t.Run("IfNoneMatchWithAnotherETagServesTheFile", func(t *testing.T) {
		t.Parallel()
		r := apptest.Download(t, inst, h.Viewer, doc.ID, http.Header{"If-None-Match": {`"0123"`}})
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, apptest.TestPNG, r.Body)
	})
	t.Run("ListsTheDocument", func(t *testing.T) {
		t.Parallel()
		list := apptest.ListDocuments(t, inst, h.Viewer, "")
		require.Len(t, list, 1)
		require.Equal(t, doc, list[0])
	})
}

func testAcceptedTypes(t *testing.T, inst *apptest.Instance, dir string) {
	h := apptest.NewHousehold(t, inst)
	before := apptest.StoredFiles(t, dir)
	// Runs once every subtest has finished: each new file belongs to an accepted upload.
	t.Cleanup(func() { require.Len(t, apptest.AddedFiles(t, dir, before), 8, "only the accepted uploads are stored") })

	accepted := []struct {
		name    string
		content []byte
		want    string
	}{
		{"PDF", apptest.TestPDF, "application/pdf"},
		{"PNG", apptest.TestPNG, "image/png"},
		{"JPEG", testJPEG, "image/jpeg"},
		{"WebP", testWebP, "image/webp"},
		{"HEIC", testHEIC, "image/heic"},
		{"HEIF", testHEIF, "image/heif"},
		{"HEICSequence", testHEICSequence, "image/heic-sequence"},
		{"HEIFSequence", testHEIFSequence, "image/heif-sequence"},
	}
	for _, tt := range accepted {
		t.Run("Accepts"+tt.name, func(t *testing.T) {
			t.Parallel()
			doc := apptest.Upload(t, inst, h.Owner, h.ResidenceID, apptest.FilePart{Name: "scan", ContentType: "application/octet-stream", Content: tt.content})
			require.EqualValues(t, tt.want, doc.File.Value.ContentType)
			r := apptest.Download(t, inst, h.Owner, doc.ID, nil)
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
			rid := apptest.CreateResidence(t, inst, owner, "Refusals")
			r := apptest.SendMultipart(t, inst, http.MethodPost, "/documents", owner.Token,
				map[string]string{"residence_id": strconv.FormatInt(rid, 10), "title": "Spoof"},
				&apptest.FilePart{Name: tt.fileName, ContentType: tt.declared, Content: tt.content})
			require.Equal(t, tt.status, r.Status, string(r.Body))
			e := r.Err(t)
			require.Equal(t, tt.code, e.Error.Code)
			require.Contains(t, e.Error.Fields.Value, "file", "the error names the file field")
			require.Empty(t, apptest.ListDocuments(t, inst, owner, ""), "no row")
		})
	}
}

func TestDocumentUploadLimits(t *testing.T) {
	t.Parallel()
	const limit = 4096
	inst, dir := apptest.StartDocuments(t, func(c *config.Config) { c.MaxUploadSize = limit })
	h := apptest.NewHousehold(t, inst)
	pngOfSize := func(n int) []byte {
		return append(slices.Clone(apptest.TestPNG), make([]byte, n-len(apptest.TestPNG))...)
	}
	// Runs once every subtest has finished.
	t.Cleanup(func() { require.Len(t, apptest.StoredFiles(t, dir), 2, "only the two accepted uploads are stored") })

	t.Run("AcceptsAFileOfExactlyTheLimit", func(t *testing.T) {
		t.Parallel()
		doc := apptest.Upload(t, inst, h.Owner, h.ResidenceID, apptest.FilePart{Name: "max.png", ContentType: "image/png", Content: pngOfSize(limit)})
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
			rid := apptest.CreateResidence(t, inst, owner, "Limits")
			r := apptest.SendMultipart(t, inst, http.MethodPost, "/documents", owner.Token,
				map[string]string{"residence_id": strconv.FormatInt(rid, 10), "title": "Big"},
				&apptest.FilePart{Name: "big.png", ContentType: "image/png", Content: pngOfSize(tt.size)})
			require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, string(r.Body))
			require.Equal(t, "request_too_large", r.Err(t).Error.Code)
			require.Empty(t, apptest.ListDocuments(t, inst, owner, ""), "no row")
		})
	}
	t.Run("RejectsAnUndeclaredBodyWhileReadingIt", func(t *testing.T) {
		t.Parallel()
		// The contract-checking client always declares the length; a chunked body is only checked as it is read.
		body, ct := apptest.MultipartBody(t, map[string]string{"residence_id": strconv.FormatInt(h.ResidenceID, 10), "title": "Big"},
			&apptest.FilePart{Name: "big.png", ContentType: "image/png", Content: pngOfSize(limit + api.UploadOverhead + 1)})
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, inst.API+"/documents",
			io.MultiReader(bytes.NewReader(body))) // an unknown length: sent chunked
		require.NoError(t, err)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+h.Owner.Token)
		resp, err := (&http.Client{Timeout: 10 * time.Second, Transport: apitest.NewErrorBodyTransport(t, nil)}).Do(req)
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
		doc := apptest.Upload(t, inst, h.Owner, h.ResidenceID, apptest.FilePart{Name: "small.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
		r := apptest.SendMultipart(t, inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", doc.ID), h.Owner.Token, nil,
			&apptest.FilePart{Name: "big.png", ContentType: "image/png", Content: pngOfSize(limit + 1)})
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, string(r.Body))
		require.Equal(t, apptest.TestPDF, apptest.Download(t, inst, h.Owner, doc.ID, nil).Body, "the old file stays")
	})
	t.Run("JSONCreateKeepsTheJSONLimit", func(t *testing.T) {
		t.Parallel()
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/documents", Token: h.Owner.Token,
			Body: map[string]any{"residence_id": h.ResidenceID, "title": "Huge", "description": strings.Repeat("x", 2<<20)}, Invalid: true})
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	})
}

func testCreateWithoutFile(t *testing.T, inst *apptest.Instance) {
	h := apptest.NewHousehold(t, inst)

	t.Run("StoresEveryField", func(t *testing.T) {
		t.Parallel()
		taskID := newDocumentTask(t, inst, h.Owner, h.ResidenceID)
		doc := apptest.CreateDocument(t, inst, h.Editor, map[string]any{
			"residence_id": h.ResidenceID, "title": "  Dishwasher warranty ", "description": "Bought at the fair",
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
		r := apptest.Download(t, inst, h.Owner, doc.ID, nil)
		require.Equal(t, http.StatusNotFound, r.Status, "a document without a file has nothing to download")
	})
	// What a generated client sends when it is handed a file but encodes the body as JSON (a browser's File
	// becomes {}), or builds a form and forgets the file: each looks like an upload and carries no file, and
	// must not become a document without one.
	refused := []struct {
		name, contentType string
		body              func(residenceID int64) []byte
	}{
		{"JSONWithAFileObject", "application/json", func(rid int64) []byte {
			return fmt.Appendf(nil, `{"residence_id":%d,"title":"Receipt","file":{}}`, rid)
		}},
		{"JSONWithFileText", "application/json", func(rid int64) []byte {
			return fmt.Appendf(nil, `{"residence_id":%d,"title":"Receipt","file":"JVBERi0xLjQK"}`, rid)
		}},
	}
	for _, tt := range refused {
		t.Run("Refuses"+tt.name, func(t *testing.T) {
			t.Parallel()
			owner := inst.Register(t)
			rid := apptest.CreateResidence(t, inst, owner, "Uploads")
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/documents", Token: owner.Token,
				Body: tt.body(rid), Header: http.Header{"Content-Type": {tt.contentType}}, Invalid: true})
			apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "file")
			require.Empty(t, apptest.ListDocuments(t, inst, owner, ""), "no document without its file")
		})
	}
	t.Run("AcceptsJSONWithANullFile", func(t *testing.T) {
		t.Parallel()
		// null is what a Document without a file says; a client sending one back means no file.
		doc := apptest.CreateDocument(t, inst, h.Editor, map[string]any{"residence_id": h.ResidenceID, "title": "Notes",
			"file": nil})
		require.True(t, doc.File.Null)
	})
	t.Run("RefusesAFormWithoutTheFilePart", func(t *testing.T) {
		t.Parallel()
		owner := inst.Register(t)
		rid := apptest.CreateResidence(t, inst, owner, "Uploads")
		body, ct := apptest.MultipartBody(t, map[string]string{"residence_id": strconv.FormatInt(rid, 10), "title": "Receipt"}, nil)
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/documents", Token: owner.Token, Body: body,
			Header: http.Header{"Content-Type": {ct}}, Invalid: true})
		apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", "file")
		require.Empty(t, apptest.ListDocuments(t, inst, owner, ""), "no document without its file")
	})

	t.Run("DefaultsToGeneral", func(t *testing.T) {
		t.Parallel()
		doc := apptest.CreateDocument(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Notes"})
		require.EqualValues(t, "general", doc.Type)
		require.True(t, doc.PurchaseDate.Null)
		require.True(t, doc.TaskID.Null)
	})

	other := apptest.CreateResidence(t, inst, h.Owner, "Elsewhere")
	foreignTask := newDocumentTask(t, inst, h.Owner, other)
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
			rid := apptest.CreateResidence(t, inst, owner, "Validation")
			tt.body["residence_id"] = rid
			// Some break the spec's patterns (the decoder refuses them), others fit it (the handler does).
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/documents", Token: owner.Token, Body: tt.body,
				Invalid: true})
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			require.Contains(t, r.Err(t).Error.Fields.Value, tt.field, string(r.Body))
			require.Empty(t, apptest.ListDocuments(t, inst, owner, ""), "nothing stored")
		})
	}
}

func testRolledBackInsertLeavesNoFile(t *testing.T, inst *apptest.Instance, dir string) {
	h := apptest.NewHousehold(t, inst)
	before := apptest.StoredFiles(t, dir)
	other := apptest.CreateResidence(t, inst, h.Owner, "Elsewhere")
	foreignTask := newDocumentTask(t, inst, h.Owner, other)

	// The caller may write to the residence, so the file is stored; the insert then refuses the task of
	// another residence, and the file must go with it.
	r := apptest.SendMultipart(t, inst, http.MethodPost, "/documents", h.Editor.Token,
		map[string]string{"residence_id": strconv.FormatInt(h.ResidenceID, 10), "title": "Manual",
			"task_id": strconv.FormatInt(foreignTask, 10)},
		&apptest.FilePart{Name: "manual.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	require.Contains(t, r.Err(t).Error.Fields.Value, "task_id")
	require.Empty(t, apptest.ListDocuments(t, inst, h.Owner, ""), "no row")
	require.Empty(t, apptest.AddedFiles(t, dir, before), "the file written before the refused insert is deleted")
}

func testReplaceFile(t *testing.T, inst *apptest.Instance, dir string) {
	h := apptest.NewHousehold(t, inst)

	t.Run("ReplacesAndDeletesTheOldFile", func(t *testing.T) {
		start := apptest.StoredFiles(t, dir)
		doc := apptest.Upload(t, inst, h.Owner, h.ResidenceID, apptest.FilePart{Name: "v1.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
		before := apptest.AddedFiles(t, dir, start)
		require.Len(t, before, 1)
		oldETag := apptest.Download(t, inst, h.Owner, doc.ID, nil).Header.Get("ETag")

		r := apptest.SendMultipart(t, inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", doc.ID), h.Editor.Token, nil,
			&apptest.FilePart{Name: "v2.png", ContentType: "application/pdf", Content: apptest.TestPNG})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var got client.Document
		r.JSON(t, &got)
		require.EqualValues(t, "image/png", got.File.Value.ContentType)
		require.Equal(t, "v2.png", got.File.Value.FileName)
		require.Equal(t, sha256Hex(apptest.TestPNG), got.File.Value.SHA256)
		require.Equal(t, doc.Title, got.Title, "the metadata stays")

		after := apptest.AddedFiles(t, dir, start)
		require.Len(t, after, 1, "the old file is deleted")
		require.NotEqual(t, before[0], after[0], "the new file has a new key")

		d := apptest.Download(t, inst, h.Viewer, doc.ID, nil)
		require.Equal(t, apptest.TestPNG, d.Body, "the new file is served")
		require.NotEqual(t, oldETag, d.Header.Get("ETag"))
		require.Equal(t, http.StatusOK, apptest.Download(t, inst, h.Viewer, doc.ID, http.Header{"If-None-Match": {oldETag}}).Status,
			"the old ETag no longer matches")

		require.Equal(t, http.StatusNoContent, inst.Do(t, apptest.Request{Method: http.MethodDelete,
			Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.Owner.Token}).Status)
	})
	t.Run("AddsAFileToADocumentWithout", func(t *testing.T) {
		start := apptest.StoredFiles(t, dir)
		doc := apptest.CreateDocument(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Later"})
		r := apptest.SendMultipart(t, inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", doc.ID), h.Owner.Token, nil,
			&apptest.FilePart{Name: "later.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		require.Equal(t, apptest.TestPDF, apptest.Download(t, inst, h.Owner, doc.ID, nil).Body)
		require.Len(t, apptest.AddedFiles(t, dir, start), 1)
	})
	t.Run("RefusedReplaceKeepsTheOldFileAndStoresNothing", func(t *testing.T) {
		doc := apptest.Upload(t, inst, h.Owner, h.ResidenceID, apptest.FilePart{Name: "keep.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
		before := apptest.StoredFiles(t, dir)
		for _, tt := range []struct {
			acct apptest.Account
			want int
		}{{h.Viewer, http.StatusForbidden}, {h.Stranger, http.StatusNotFound}} {
			r := apptest.SendMultipart(t, inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", doc.ID), tt.acct.Token, nil,
				&apptest.FilePart{Name: "evil.png", ContentType: "image/png", Content: apptest.TestPNG})
			require.Equal(t, tt.want, r.Status, string(r.Body))
		}
		require.Equal(t, before, apptest.StoredFiles(t, dir))
		require.Equal(t, apptest.TestPDF, apptest.Download(t, inst, h.Owner, doc.ID, nil).Body)
	})
}

func testDelete(t *testing.T, inst *apptest.Instance, dir string) {
	h := apptest.NewHousehold(t, inst)
	start := apptest.StoredFiles(t, dir)
	doc := apptest.Upload(t, inst, h.Owner, h.ResidenceID, apptest.FilePart{Name: "gone.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
	kept := apptest.Upload(t, inst, h.Owner, h.ResidenceID, apptest.FilePart{Name: "kept.png", ContentType: "image/png", Content: apptest.TestPNG})
	require.Len(t, apptest.AddedFiles(t, dir, start), 2)

	r := inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.Editor.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.Equal(t, http.StatusNotFound, inst.Do(t, apptest.Request{Method: http.MethodGet,
		Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.Owner.Token}).Status, "the row is gone")
	require.Equal(t, http.StatusNotFound, apptest.Download(t, inst, h.Owner, doc.ID, nil).Status)
	require.Len(t, apptest.AddedFiles(t, dir, start), 1, "the file is gone")
	require.Equal(t, apptest.TestPNG, apptest.Download(t, inst, h.Owner, kept.ID, nil).Body, "the other document's file stays")

	r = inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.Owner.Token})
	require.Equal(t, http.StatusNotFound, r.Status, "deleting twice")
}

func testUpdate(t *testing.T, inst *apptest.Instance) {
	h := apptest.NewHousehold(t, inst)
	taskID := newDocumentTask(t, inst, h.Owner, h.ResidenceID)
	other := apptest.CreateResidence(t, inst, h.Owner, "Elsewhere")
	foreignTask := newDocumentTask(t, inst, h.Owner, other)

	newDoc := func(t *testing.T) client.Document {
		return apptest.CreateDocument(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "Boiler",
			"vendor": "Vaillant", "purchase_date": "2020-01-02", "purchase_price": 1200, "task_id": taskID})
	}
	patch := func(t *testing.T, id int64, body map[string]any) apptest.Response {
		return inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/documents/%d", id), Token: h.Editor.Token, Body: body})
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
			r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/documents/%d", doc.ID),
				Token: h.Editor.Token, Body: tt.body, Invalid: true}) // some break the spec, some only the handler's rules
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			require.Contains(t, r.Err(t).Error.Fields.Value, tt.field)
			var got client.Document
			inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/documents/%d", doc.ID), Token: h.Owner.Token}).JSON(t, &got)
			require.Equal(t, doc, got, "nothing changed")
		})
	}
}

func testListFilters(t *testing.T, inst *apptest.Instance) {
	h := apptest.NewHousehold(t, inst)
	second := apptest.CreateResidence(t, inst, h.Owner, "Second home")
	mk := func(residenceID int64, title, typ, vendor, serial string) int64 {
		return apptest.CreateDocument(t, inst, h.Owner, map[string]any{"residence_id": residenceID, "title": title, "type": typ,
			"vendor": vendor, "serial_number": serial}).ID
	}
	fridge := mk(h.ResidenceID, "Fridge manual", "manual", "Miele", "")
	discount := mk(h.ResidenceID, "Receipt 100% off", "receipt", "", "")
	under := mk(h.ResidenceID, "Receipt a_b", "receipt", "", "X_1")
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
		{"FiltersCombine", fmt.Sprintf("?type=receipt&q=receipt&residence_id=%d", h.ResidenceID), []int64{under, discount}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, ids(apptest.ListDocuments(t, inst, h.Owner, tt.query)))
		})
	}
	t.Run("MembersSeeOnlyTheirResidences", func(t *testing.T) {
		t.Parallel()
		require.ElementsMatch(t, []int64{fridge, discount, under}, ids(apptest.ListDocuments(t, inst, h.Viewer, "")))
		require.Empty(t, apptest.ListDocuments(t, inst, h.Viewer, fmt.Sprintf("?residence_id=%d", second)))
		require.Empty(t, apptest.ListDocuments(t, inst, h.Stranger, ""))
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
		return apptest.CreateDocument(t, inst, owner, body).ID
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
		apptest.Household
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
		{"ListDocuments", jsonCall(http.MethodGet, func(f fixture) string { return fmt.Sprintf("/documents?residence_id=%d", f.ResidenceID) }, nil),
			[5]int{200, 200, 200, 200, 401}},
		{"ListWarranties", jsonCall(http.MethodGet, func(fixture) string { return "/documents/warranties" }, nil),
			[5]int{200, 200, 200, 200, 401}},
		{"CreateDocumentJSON", jsonCall(http.MethodPost, func(fixture) string { return "/documents" },
			func(f fixture) any { return map[string]any{"residence_id": f.ResidenceID, "title": "New"} }),
			[5]int{201, 201, 403, 404, 401}},
		{"CreateDocumentUpload", func(t *testing.T, f fixture, token string) apptest.Response {
			return apptest.SendMultipart(t, inst, http.MethodPost, "/documents", token,
				map[string]string{"residence_id": strconv.FormatInt(f.ResidenceID, 10), "title": "New"},
				&apptest.FilePart{Name: "new.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
		}, [5]int{201, 201, 403, 404, 401}},
		{"GetDocument", jsonCall(http.MethodGet, docPath(""), nil), [5]int{200, 200, 200, 404, 401}},
		{"UpdateDocument", jsonCall(http.MethodPatch, docPath(""), func(fixture) any { return map[string]any{"title": "Changed"} }),
			[5]int{200, 200, 403, 404, 401}},
		{"DeleteDocument", jsonCall(http.MethodDelete, docPath(""), nil), [5]int{204, 204, 403, 404, 401}},
		{"GetDocumentFile", jsonCall(http.MethodGet, docPath("/file"), nil), [5]int{200, 200, 200, 404, 401}},
		{"ReplaceDocumentFile", func(t *testing.T, f fixture, token string) apptest.Response {
			return apptest.SendMultipart(t, inst, http.MethodPut, fmt.Sprintf("/documents/%d/file", f.doc.ID), token, nil,
				&apptest.FilePart{Name: "new.png", ContentType: "image/png", Content: apptest.TestPNG})
		}, [5]int{200, 200, 403, 404, 401}},
	}
	roles := []string{"Owner", "Editor", "Viewer", "Stranger", "Anonymous"}
	for _, ep := range endpoints {
		for i, role := range roles {
			t.Run(ep.name+"As"+role, func(t *testing.T) {
				t.Parallel()
				h := apptest.NewHousehold(t, inst)
				f := fixture{Household: h, doc: apptest.Upload(t, inst, h.Owner, h.ResidenceID,
					apptest.FilePart{Name: "secret-" + h.Name + ".pdf", ContentType: "application/pdf", Content: apptest.TestPDF})}
				token := []string{h.Owner.Token, h.Editor.Token, h.Viewer.Token, h.Stranger.Token, ""}[i]
				r := ep.call(t, f, token)
				require.Equal(t, ep.want[i], r.Status, "%s as %s: %s", ep.name, role, r.Body)
				if r.Status >= 400 {
					require.NotContains(t, string(r.Body), h.Name, "an error must not leak the residence or the document")
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
						Token: h.Owner.Token}).JSON(t, &got)
					require.Equal(t, f.doc, got)
					require.Equal(t, apptest.TestPDF, apptest.Download(t, inst, h.Owner, f.doc.ID, nil).Body)
				}
			})
		}
	}
}

func testResidenceDeletionDeletesFiles(t *testing.T, inst *apptest.Instance, dir string) {
	h := apptest.NewHousehold(t, inst)
	start := apptest.StoredFiles(t, dir)
	other := apptest.CreateResidence(t, inst, h.Owner, "Kept")
	apptest.Upload(t, inst, h.Owner, h.ResidenceID, apptest.FilePart{Name: "a.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
	apptest.Upload(t, inst, h.Editor, h.ResidenceID, apptest.FilePart{Name: "b.png", ContentType: "image/png", Content: apptest.TestPNG})
	apptest.CreateDocument(t, inst, h.Owner, map[string]any{"residence_id": h.ResidenceID, "title": "No file"})
	kept := apptest.Upload(t, inst, h.Owner, other, apptest.FilePart{Name: "c.pdf", ContentType: "application/pdf", Content: apptest.TestPDF})
	require.Len(t, apptest.AddedFiles(t, dir, start), 3)

	r := inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: h.Path(""), Token: h.Owner.Token})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	require.Len(t, apptest.AddedFiles(t, dir, start), 1, "the deleted residence's files are gone")
	require.Equal(t, apptest.TestPDF, apptest.Download(t, inst, h.Owner, kept.ID, nil).Body, "other residences keep theirs")
	require.Empty(t, apptest.ListDocuments(t, inst, h.Editor, ""), "members lost access")
}
