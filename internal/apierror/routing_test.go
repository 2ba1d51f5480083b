package apierror

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/reqinfo"
)

func TestWriteMethodNotAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, allowed string
		head                  bool
		wantAllow, wantMsg    string
	}{
		{"GetAlsoAllowsHead", http.MethodPost, "GET", false, "GET, HEAD",
			"POST is not allowed on /x; allowed: GET, HEAD"},
		{"SortedAndSpaced", http.MethodPut, "DELETE,GET,PATCH", false, "DELETE, GET, HEAD, PATCH",
			"PUT is not allowed on /x; allowed: DELETE, GET, HEAD, PATCH"},
		{"NoGetNoHead", http.MethodGet, "POST", false, "POST", "GET is not allowed on /x; allowed: POST"},
		{"HeadRoutedAsGetIsNamedHead", http.MethodGet, "POST", true, "POST", "HEAD is not allowed on /x; allowed: POST"},
		{"DuplicatesAndSpacesIgnored", http.MethodPost, " GET, HEAD,GET ", false, "GET, HEAD",
			"POST is not allowed on /x; allowed: GET, HEAD"},
		{"NoneKnownNoAllowHeader", http.MethodPost, "", false, "", "POST is not allowed on /x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, "/x", nil)
			if tt.head {
				req = req.WithContext(reqinfo.AsHead(req.Context()))
			}
			rec := httptest.NewRecorder()
			WriteMethodNotAllowed(rec, req, tt.allowed)
			require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
			require.Equal(t, tt.wantAllow, rec.Header().Get("Allow"), "Allow for %q", tt.allowed)
			body := decode(t, rec)
			require.Equal(t, CodeMethodNotAllowed, body.Error.Code)
			require.Equal(t, tt.wantMsg, body.Error.Message)
		})
	}
}

func TestWriteNotFound(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	WriteNotFound(rec, httptest.NewRequest(http.MethodDelete, "/api/nope", nil))
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	body := decode(t, rec)
	require.Equal(t, CodeNotFound, body.Error.Code)
	require.Equal(t, "no such endpoint: DELETE /api/nope", body.Error.Message)
}

// decode decodes the spec's Error shape, failing the test if the body is not one.
func decode(t *testing.T, rec *httptest.ResponseRecorder) client.APIError {
	t.Helper()
	var b client.APIError
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &b), "body %s", rec.Body)
	return b
}
