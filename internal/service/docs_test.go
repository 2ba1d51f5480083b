package service_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/api"
	"github.com/homekeep/homekeep/internal/apidocs"
	"github.com/homekeep/homekeep/internal/apptest"
)

// TestServesTheSpecAndItsReference checks that a running service serves the spec it was built from and the
// reference page, with no token (internal/apidocs tests what they contain).
func TestServesTheSpecAndItsReference(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	tests := []struct{ path, contentType string }{
		{apidocs.PathYAML, "application/yaml"},
		{apidocs.PathJSON, "application/json"},
		{apidocs.PathDocs, "text/html; charset=utf-8"},
		{apidocs.PathRedoc, "text/javascript; charset=utf-8"},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, inst.URL+tt.path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", tt.path, body)
		require.Equal(t, tt.contentType, resp.Header.Get("Content-Type"), "GET %s", tt.path)
		if tt.path == apidocs.PathYAML {
			require.Equal(t, api.OpenAPIYAML, string(body))
		}
	}
}
