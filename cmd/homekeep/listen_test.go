package main

import (
	"bytes"
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestServeOnBusyPortNamesTheSetting checks that a port already in use stops serve with one line that says
// which setting moves the server elsewhere.
func TestServeOnBusyPortNamesTheSetting(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	addr := busy.Addr().String()

	var out, errOut bytes.Buffer
	// Listening comes first, so the database is never contacted.
	err = run(context.Background(), []string{"serve", "--no-migrate"},
		envOf(map[string]string{"HTTP_ADDR": addr, "DATABASE_URL": "postgres://127.0.0.1:1/none"}), &out, &errOut)
	require.Error(t, err)
	require.Contains(t, err.Error(), "HTTP_ADDR", "the error names the setting that moves the server")
	require.Contains(t, err.Error(), addr)
	require.Contains(t, err.Error(), "in use")
	require.NotContains(t, err.Error(), "\n", "one line")
}
