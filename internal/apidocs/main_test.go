package apidocs

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/httpserver"
	"github.com/homekeep/homekeep/internal/leakcheck"
)

// TestMain fails the package's tests when a goroutine outlives them.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m)
}

// newDocsServer serves Docs through the real router, as the service mounts it. The readiness gate is never
// opened: the docs must not wait for the database.
func newDocsServer(t *testing.T) *httptest.Server {
	t.Helper()
	docs, err := New()
	require.NoError(t, err)
	rd := httpserver.NewReadiness(func(context.Context) error { return nil }, nil)
	router := httpserver.NewRouter(httpserver.Options{
		API: http.NotFoundHandler(), Readiness: rd, BodyLimit: 1 << 20, Docs: docs.Routes(),
		Logger: slog.New(slog.DiscardHandler),
	})
	srv := httptest.NewServer(router)
	t.Cleanup(srv.Close)
	return srv
}
