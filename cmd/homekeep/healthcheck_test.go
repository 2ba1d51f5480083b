package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// TestHealthcheck runs the command the container health checks run against a real server: 0 when /readyz
// answers 2xx, an error (exit 1) naming the URL and the answer otherwise.
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})

	t.Run("ReadyServerPasses", func(t *testing.T) {
		t.Parallel()
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"healthcheck", "--url", inst.URL + "/readyz"}, envOf(nil), &out, &errOut)
		require.NoError(t, err, "stderr: %s", errOut.String())
		require.Contains(t, out.String(), "200 OK")
		require.Contains(t, out.String(), `"postgres":"ok"`)
	})

	t.Run("DefaultURLFollowsHTTPAddr", func(t *testing.T) {
		t.Parallel()
		_, port, err := net.SplitHostPort(strings.TrimPrefix(inst.URL, "http://"))
		require.NoError(t, err)
		var out, errOut bytes.Buffer
		err = run(context.Background(), []string{"healthcheck"}, envOf(map[string]string{"HTTP_ADDR": ":" + port}), &out, &errOut)
		require.NoError(t, err, "stderr: %s", errOut.String())
		require.Contains(t, out.String(), "http://127.0.0.1:"+port+"/readyz answered 200 OK")
	})

	t.Run("ErrorStatusFails", func(t *testing.T) {
		t.Parallel()
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"healthcheck", "--url", inst.URL + "/no-such-page"}, envOf(nil), &out, &errOut)
		require.Error(t, err)
		require.Contains(t, err.Error(), inst.URL+"/no-such-page answered 404 Not Found")
		require.Empty(t, out.String())
	})

	t.Run("RefusedFails", func(t *testing.T) {
		t.Parallel()
		closed, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := closed.Addr().String()
		require.NoError(t, closed.Close())
		err = run(context.Background(), []string{"healthcheck"}, envOf(map[string]string{"HTTP_ADDR": addr}), &bytes.Buffer{}, &bytes.Buffer{})
		require.Error(t, err)
		require.Contains(t, err.Error(), "error asking http://"+addr+"/readyz")
		require.Contains(t, err.Error(), "connection refused")
	})

	t.Run("StrayArgumentIsUsage", func(t *testing.T) {
		t.Parallel()
		err := run(context.Background(), []string{"healthcheck", "extra"}, envOf(nil), &bytes.Buffer{}, &bytes.Buffer{})
		require.ErrorIs(t, err, errUsage)
	})
}

func TestReadyzURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr, want string
	}{
		{":8080", "http://127.0.0.1:8080/readyz"},
		{"0.0.0.0:9000", "http://127.0.0.1:9000/readyz"},
		{"[::]:8080", "http://127.0.0.1:8080/readyz"},
		{"10.0.0.5:8080", "http://10.0.0.5:8080/readyz"},
		{"[::1]:8080", "http://[::1]:8080/readyz"},
	} {
		got, err := readyzURL(tc.addr)
		require.NoError(t, err, tc.addr)
		require.Equal(t, tc.want, got, "readyzURL(%q)", tc.addr)
	}
	_, err := readyzURL("8080")
	require.ErrorContains(t, err, `HTTP_ADDR "8080"`)
}
