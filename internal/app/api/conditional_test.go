package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestNotModifiedCarriesTheETag checks that a 304 names the current ETag, as RFC 9110 asks, so a client can
// keep using the tag it holds (or a cache can refresh its entry) without another full request.
func TestNotModifiedCarriesTheETag(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	acct := inst.Register(t)
	rid := apptest.CreateResidence(t, inst, acct, "Tagged")
	apptest.CreateTask(t, inst, acct, map[string]any{"residence_id": rid, "title": "t"})

	for _, path := range []string{"/tasks", fmt.Sprintf("/residences/%d/tasks", rid), "/static-data"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			// The board of a caller this process has not seen is tagged from its rows the first time; the
			// 304 below is about the tag a warm board carries.
			inst.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: acct.Token})
			r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: acct.Token})
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			etag := r.Header.Get("ETag")
			require.NotEmpty(t, etag)
			r = inst.Do(t, apptest.Request{Method: http.MethodGet, Path: path, Token: acct.Token,
				Header: http.Header{"If-None-Match": {etag}}})
			require.Equal(t, http.StatusNotModified, r.Status)
			require.Equal(t, etag, r.Header.Get("ETag"), "304 from %s carries the ETag", path)
			require.Empty(t, r.Body)
		})
	}
}

// TestDocumentFileIfRange checks If-Range: a range is served only while the file is the one the client
// started downloading; otherwise the whole current file comes back with 200, so resuming never splices two
// versions of a file together.
func TestDocumentFileIfRange(t *testing.T) {
	t.Parallel()
	inst, _ := apptest.StartDocuments(t, nil)
	h := apptest.NewHousehold(t, inst)
	doc := apptest.Upload(t, inst, h.Editor, h.ResidenceID, apptest.FilePart{Name: "scan.png", ContentType: "image/png", Content: apptest.TestPNG})
	etag := `"` + doc.File.Value.SHA256[:32] + `"`

	tests := []struct {
		name, ifRange string
		wantStatus    int
	}{
		{"MatchingETagServesTheRange", etag, http.StatusPartialContent},
		{"StaleETagServesTheWholeFile", `"0123456789abcdef0123456789abcdef"`, http.StatusOK},
		{"WeakETagNeverMatches", "W/" + etag, http.StatusOK},
		{"DateServesTheWholeFile", time.Now().UTC().Format(http.TimeFormat), http.StatusOK},
		{"GarbageServesTheWholeFile", "yesterday", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := apptest.Download(t, inst, h.Viewer, doc.ID, http.Header{"Range": {"bytes=0-3"}, "If-Range": {tt.ifRange}})
			require.Equal(t, tt.wantStatus, r.Status, "If-Range: %s", tt.ifRange)
			require.Equal(t, etag, r.Header.Get("ETag"))
			if tt.wantStatus == http.StatusOK {
				require.Equal(t, apptest.TestPNG, r.Body, "the whole file")
				require.Empty(t, r.Header.Get("Content-Range"))
				require.Equal(t, strconv.Itoa(len(apptest.TestPNG)), r.Header.Get("Content-Length"))
			} else {
				require.Equal(t, apptest.TestPNG[:4], r.Body)
				require.Equal(t, fmt.Sprintf("bytes 0-3/%d", len(apptest.TestPNG)), r.Header.Get("Content-Range"))
			}
		})
	}
	t.Run("NotModifiedCarriesTheETag", func(t *testing.T) {
		t.Parallel()
		r := apptest.Download(t, inst, h.Viewer, doc.ID, http.Header{"If-None-Match": {etag}})
		require.Equal(t, http.StatusNotModified, r.Status)
		require.Equal(t, etag, r.Header.Get("ETag"))
	})
}
