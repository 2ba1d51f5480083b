package documents

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	ht "github.com/ogen-go/ogen/http"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/app/filesweep"
	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/reqinfo"
)

// documentKeyPrefix is where document files live in storage; the background sweep looks only under it.
const documentKeyPrefix = filesweep.DocumentPrefix

// sniffLen is how many leading bytes decide a file's type (what http.DetectContentType reads).
const sniffLen = 512

// storedFile is a file written to storage.
type storedFile struct {
	key, name, contentType, sha256 string
	size                           int64
}

// errFileTooLarge is the 413 for a file over MAX_UPLOAD_SIZE.
func errFileTooLarge(limit int64) *apierror.Error {
	return &apierror.Error{Status: http.StatusRequestEntityTooLarge, Code: apierror.CodeRequestTooLarge,
		Message: fmt.Sprintf("the file is larger than %d bytes", limit),
		Fields:  map[string]string{"file": fmt.Sprintf("must be at most %d bytes", limit)}}
}

var errUnsupportedFile = &apierror.Error{Status: http.StatusUnsupportedMediaType, Code: apierror.CodeUnsupportedMediaType,
	Message: "the file is not a PDF, JPEG, PNG, HEIC or WebP file",
	Fields:  map[string]string{"file": "must be a PDF, JPEG, PNG, HEIC or WebP file"}}

// sniffContentType names the type of a file from its first bytes, or returns "" when it is not one of the
// accepted types. What the client declared, and the file name, are never consulted.
func sniffContentType(head []byte) string {
	// ISO base media files (HEIF/HEIC) start with a box size, then "ftyp" and the major brand.
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		switch string(head[8:12]) {
		case "heic", "heix", "heim", "heis":
			return "image/heic"
		case "hevc":
			return "image/heic-sequence"
		case "mif1":
			return "image/heif"
		case "msf1":
			return "image/heif-sequence"
		}
		return ""
	}
	switch ct := http.DetectContentType(head); ct {
	case "application/pdf", "image/jpeg", "image/png", "image/webp":
		return ct
	}
	return ""
}

// capReader passes through at most limit bytes and fails with errFileTooLarge on the byte after.
type capReader struct {
	r           io.Reader
	left, limit int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, errFileTooLarge(c.limit)
	}
	return n, err
}

// cleanFileName keeps the uploaded name for display and Content-Disposition: its last path element, without
// control characters, at most 255 characters. It is never used to build a storage key.
func cleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name))
	if utf8.RuneCountInString(name) > 255 {
		name = string([]rune(name)[:255])
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// storeFile checks an uploaded file's size and type, then streams it to storage under a new key: the
// sniffed first bytes, then the rest, through a reader that fails past MAX_UPLOAD_SIZE. The caller deletes
// the file if what follows fails.
func (h *Handler) storeFile(ctx context.Context, f *ht.MultipartFile) (*storedFile, error) {
	if f.File == nil {
		return nil, apierror.Validation(map[string]string{"file": "is required"})
	}
	if f.Size > h.maxUpload {
		return nil, errFileTooLarge(h.maxUpload)
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f.File, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("error reading the uploaded file: %w", err)
	}
	head = head[:n]
	if n == 0 {
		return nil, apierror.Validation(map[string]string{"file": "is empty"})
	}
	ct := sniffContentType(head)
	if ct == "" {
		return nil, errUnsupportedFile
	}
	key := blobstore.NewKey(documentKeyPrefix, time.Now())
	body := &capReader{r: io.MultiReader(bytes.NewReader(head), f.File), left: h.maxUpload, limit: h.maxUpload}
	size, sum, err := h.files.Put(ctx, key, body, ct)
	if err != nil {
		return nil, err
	}
	return &storedFile{key: key, name: cleanFileName(f.Name), contentType: ct, sha256: sum, size: size}, nil
}

// ReplaceDocumentFile stores a new file for a document (owners and editors), points the row at it in one
// statement that returns the old file's key, and deletes the old file once that has committed. If the row
// is not updated, the new file is deleted instead.
func (h *Handler) ReplaceDocumentFile(ctx context.Context, req *oas.FileUploadMultipart, params oas.ReplaceDocumentFileParams) (oas.ReplaceDocumentFileRes, error) {
	user := app.PrincipalFrom(ctx).User
	// Refuse strangers and viewers before storing anything; the update checks again.
	if err := h.documentRefusal(ctx, user.ID, params.ID); err != nil {
		return nil, err
	}
	stored, err := h.storeFile(ctx, &req.File)
	if err != nil {
		return nil, err
	}
	row, err := h.q.DocumentReplaceFile(ctx, h.db, &dbsqlc.DocumentReplaceFileParams{
		ID: params.ID, UserID: user.ID, StorageKey: stored.key, FileName: stored.name,
		ContentType: stored.contentType, SizeBytes: stored.size, Sha256: stored.sha256,
	})
	if err != nil {
		app.DeleteFiles(ctx, h.files, h.log, stored.key)
		err = dberr.Interpret(err)
		if errors.Is(err, dberr.ErrNotFound) {
			if err := h.documentRefusal(ctx, user.ID, params.ID); err != nil {
				return nil, err
			}
			if err := h.fileBytesRefusal(ctx, user.ID, params.ID, stored.size); err != nil {
				return nil, err
			}
			return nil, apierror.NotFound("document") // deleted meanwhile
		}
		return nil, fmt.Errorf("error replacing document file: %w", err)
	}
	if row.OldStorageKey != nil {
		app.DeleteFiles(ctx, h.files, h.log, *row.OldStorageKey)
	}
	out := documentResponse(&dbsqlc.Document{
		ID: row.ID, ResidenceID: row.ResidenceID, CreatedBy: row.CreatedBy, Title: row.Title,
		Description: row.Description, DocType: row.DocType, Vendor: row.Vendor, ModelNumber: row.ModelNumber,
		SerialNumber: row.SerialNumber, PurchaseDate: row.PurchaseDate, PurchasePrice: row.PurchasePrice,
		ExpiryDate: row.ExpiryDate, WarrantyProvider: row.WarrantyProvider, ClaimPhone: row.ClaimPhone,
		ClaimUrl: row.ClaimUrl, TaskID: row.TaskID, StorageKey: row.StorageKey, FileName: row.FileName,
		ContentType: row.ContentType, SizeBytes: row.SizeBytes, Sha256: row.Sha256, CreatedAt: row.CreatedAt,
		UpdatedAt: row.UpdatedAt,
	})
	return &out, nil
}

// errRangeNotSatisfiable is the 416 for a range that starts past the end of the file.
var errRangeNotSatisfiable = apierror.New(http.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable",
	"the requested range is outside the file")

// parseRange reads a Range header for a file of size bytes and returns the bytes to send. partial is false
// when the whole file is to be sent: no header, several ranges, or a header that is not a valid bytes range
// (which RFC 9110 says to ignore). A valid range that selects nothing yields errRangeNotSatisfiable.
func parseRange(header string, size int64) (start, length int64, partial bool, err error) {
	whole := func() (int64, int64, bool, error) { return 0, size, false, nil }
	unit, spec, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(unit), "bytes") || strings.Contains(spec, ",") {
		return whole()
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return whole()
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" { // bytes=-n: the last n bytes
		n, ok := parseDigits(last)
		if !ok {
			return whole()
		}
		if n == 0 || size == 0 {
			return 0, 0, false, errRangeNotSatisfiable
		}
		n = min(n, size)
		return size - n, n, true, nil
	}
	a, ok := parseDigits(first)
	if !ok {
		return whole()
	}
	end := size - 1
	if last != "" {
		b, ok := parseDigits(last)
		if !ok || b < a {
			return whole()
		}
		end = min(b, size-1)
	}
	if a >= size {
		return 0, 0, false, errRangeNotSatisfiable
	}
	return a, end - a + 1, true, nil
}

// parseDigits parses a non-empty run of ASCII digits.
func parseDigits(s string) (int64, bool) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// contentDisposition makes an attachment header that carries the file name both as a plain ASCII fallback
// and, for names outside ASCII, percent-encoded UTF-8 (RFC 6266, RFC 8187).
func contentDisposition(name string) string {
	var plain, encoded strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			plain.WriteByte('_')
		} else {
			plain.WriteRune(r)
		}
	}
	const attrChars = "!#$&+-.^_`|~"
	for _, b := range []byte(name) {
		if b < utf8.RuneSelf && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
			strings.IndexByte(attrChars, b) >= 0) {
			encoded.WriteByte(b)
		} else {
			fmt.Fprintf(&encoded, "%%%02X", b)
		}
	}
	return `attachment; filename="` + plain.String() + `"; filename*=UTF-8''` + encoded.String()
}

// GetDocumentFile streams a document's file to any member of its residence: the whole file, or one byte
// range of it, read from storage as it is sent. The ETag is the file's SHA-256, so If-None-Match answers
// 304 until the file is replaced, and If-Range serves the range only while it still names this file. A HEAD
// request gets the headers without the file being read from storage.
func (h *Handler) GetDocumentFile(ctx context.Context, params oas.GetDocumentFileParams) (oas.GetDocumentFileRes, error) {
	d, err := h.getDocument(ctx, app.PrincipalFrom(ctx).User.ID, params.ID)
	if err != nil {
		return nil, err
	}
	if d.StorageKey == nil || d.Sha256 == nil || d.SizeBytes == nil {
		return nil, apierror.NotFound("document file")
	}
	sum := *d.Sha256
	etag := `"` + sum[:min(32, len(sum))] + `"`
	info := reqinfo.From(ctx)
	info.SetHeader("Cache-Control", fileCacheControl) // for the errors below as well
	if app.ETagMatches(params.IfNoneMatch.Or(""), etag) {
		return &oas.GetDocumentFileNotModified{CacheControl: fileCacheControl, ETag: etag}, nil
	}
	size := *d.SizeBytes
	rangeHeader := params.Range.Or("")
	if v, ok := params.IfRange.Get(); ok && !ifRangeMatches(v, etag) {
		rangeHeader = "" // the client's partial copy is of another version: send the whole file
	}
	start, length, partial, err := parseRange(rangeHeader, size)
	if err != nil {
		info.SetHeader("Content-Range", fmt.Sprintf("bytes */%d", size))
		return nil, err
	}
	var r io.Reader = http.NoBody
	if !reqinfo.IsHead(ctx) {
		if r, err = h.files.NewRangeReader(ctx, *d.StorageKey, start, length); err != nil {
			return nil, fmt.Errorf("error opening document file: %w", err)
		}
	}
	info.SetHeader("Content-Length", strconv.FormatInt(length, 10))
	info.SetHeader("X-Content-Type-Options", "nosniff")
	disposition := contentDisposition(app.OrZero(d.FileName))
	if partial {
		return partialFileResponse(app.OrZero(d.ContentType), r, disposition, etag,
			fmt.Sprintf("bytes %d-%d/%d", start, start+length-1, size)), nil
	}
	return fileResponse(app.OrZero(d.ContentType), r, disposition, etag), nil
}

// ifRangeMatches implements If-Range (RFC 9110 13.1.5) for a file whose validator is etag: the range applies
// only when the header is that strong ETag, compared strongly. A weak tag never matches, and neither does a
// date, since downloads carry no Last-Modified.
func ifRangeMatches(header, etag string) bool {
	return strings.TrimSpace(header) == etag
}

// fileCacheControl lets a client keep a downloaded file but makes it revalidate (If-None-Match) before use.
const fileCacheControl = "private, no-cache"

// fileResponse picks the generated 200 variant for the file's sniffed content type (the spec declares one
// per accepted type, so clients and SDKs see the real type).
func fileResponse(contentType string, r io.Reader, disposition, etag string) oas.GetDocumentFileRes {
	const ranges, cc = "bytes", fileCacheControl
	switch contentType {
	case "image/jpeg":
		return &oas.GetDocumentFileOKImageJpegHeaders{AcceptRanges: ranges, CacheControl: cc, ContentDisposition: disposition,
			ETag: etag, Response: oas.GetDocumentFileOKImageJpeg{Data: r}}
	case "image/png":
		return &oas.GetDocumentFileOKImagePNGHeaders{AcceptRanges: ranges, CacheControl: cc, ContentDisposition: disposition,
			ETag: etag, Response: oas.GetDocumentFileOKImagePNG{Data: r}}
	case "image/heic":
		return &oas.GetDocumentFileOKImageHeicHeaders{AcceptRanges: ranges, CacheControl: cc, ContentDisposition: disposition,
			ETag: etag, Response: oas.GetDocumentFileOKImageHeic{Data: r}}
	case "image/heif":
		return &oas.GetDocumentFileOKImageHeifHeaders{AcceptRanges: ranges, CacheControl: cc, ContentDisposition: disposition,
			ETag: etag, Response: oas.GetDocumentFileOKImageHeif{Data: r}}
	case "image/heic-sequence":
		return &oas.GetDocumentFileOKImageHeicSequenceHeaders{AcceptRanges: ranges, CacheControl: cc,
			ContentDisposition: disposition, ETag: etag, Response: oas.GetDocumentFileOKImageHeicSequence{Data: r}}
	case "image/heif-sequence":
		return &oas.GetDocumentFileOKImageHeifSequenceHeaders{AcceptRanges: ranges, CacheControl: cc,
			ContentDisposition: disposition, ETag: etag, Response: oas.GetDocumentFileOKImageHeifSequence{Data: r}}
	case "image/webp":
		return &oas.GetDocumentFileOKImageWEBPHeaders{AcceptRanges: ranges, CacheControl: cc, ContentDisposition: disposition,
			ETag: etag, Response: oas.GetDocumentFileOKImageWEBP{Data: r}}
	default: // application/pdf, the only other type sniffContentType accepts
		return &oas.GetDocumentFileOKApplicationPdfHeaders{AcceptRanges: ranges, CacheControl: cc, ContentDisposition: disposition,
			ETag: etag, Response: oas.GetDocumentFileOKApplicationPdf{Data: r}}
	}
}

// partialFileResponse is fileResponse for a 206 with one byte range.
func partialFileResponse(contentType string, r io.Reader, disposition, etag, contentRange string) oas.GetDocumentFileRes {
	const cc = fileCacheControl
	switch contentType {
	case "image/jpeg":
		return &oas.GetDocumentFilePartialContentImageJpegHeaders{CacheControl: cc, ContentDisposition: disposition, ETag: etag,
			ContentRange: contentRange, Response: oas.GetDocumentFilePartialContentImageJpeg{Data: r}}
	case "image/png":
		return &oas.GetDocumentFilePartialContentImagePNGHeaders{CacheControl: cc, ContentDisposition: disposition, ETag: etag,
			ContentRange: contentRange, Response: oas.GetDocumentFilePartialContentImagePNG{Data: r}}
	case "image/heic":
		return &oas.GetDocumentFilePartialContentImageHeicHeaders{CacheControl: cc, ContentDisposition: disposition, ETag: etag,
			ContentRange: contentRange, Response: oas.GetDocumentFilePartialContentImageHeic{Data: r}}
	case "image/heif":
		return &oas.GetDocumentFilePartialContentImageHeifHeaders{CacheControl: cc, ContentDisposition: disposition, ETag: etag,
			ContentRange: contentRange, Response: oas.GetDocumentFilePartialContentImageHeif{Data: r}}
	case "image/heic-sequence":
		return &oas.GetDocumentFilePartialContentImageHeicSequenceHeaders{CacheControl: cc, ContentDisposition: disposition,
			ETag: etag, ContentRange: contentRange, Response: oas.GetDocumentFilePartialContentImageHeicSequence{Data: r}}
	case "image/heif-sequence":
		return &oas.GetDocumentFilePartialContentImageHeifSequenceHeaders{CacheControl: cc, ContentDisposition: disposition,
			ETag: etag, ContentRange: contentRange, Response: oas.GetDocumentFilePartialContentImageHeifSequence{Data: r}}
	case "image/webp":
		return &oas.GetDocumentFilePartialContentImageWEBPHeaders{CacheControl: cc, ContentDisposition: disposition, ETag: etag,
			ContentRange: contentRange, Response: oas.GetDocumentFilePartialContentImageWEBP{Data: r}}
	default:
		return &oas.GetDocumentFilePartialContentApplicationPdfHeaders{CacheControl: cc, ContentDisposition: disposition,
			ETag: etag, ContentRange: contentRange, Response: oas.GetDocumentFilePartialContentApplicationPdf{Data: r}}
	}
}

// fileBytesRefusal is the 403 limit_reached of a replacement the residence owner's tier has no room for. The
// usage it reports counts the new file on top of what is stored (the old file included).
func (h *Handler) fileBytesRefusal(ctx context.Context, userID, documentID, size int64) error {
	d, err := h.q.DocumentGet(ctx, h.db, &dbsqlc.DocumentGetParams{ID: documentID, UserID: userID})
	if err != nil {
		return nil //nolint:nilerr // gone or not visible: documentRefusal's answer stands
	}
	return app.LimitRefusal(ctx, h.db, userID, &d.ResidenceID, app.LimitFileBytes, size)
}
