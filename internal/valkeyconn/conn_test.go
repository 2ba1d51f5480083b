package valkeyconn

import (
	"context"
	"log/slog"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/testvalkey"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestConnect(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.DiscardHandler)

	t.Run("ConnectsToRunningServer", func(t *testing.T) {
		t.Parallel()
		url, _ := testvalkey.New(t)
		c, err := Connect(context.Background(), url, logger)
		require.NoError(t, err)
		defer c.Close()
		_, ok := c.Client()
		require.True(t, ok)
		require.NoError(t, c.Ping(context.Background()))
	})

	t.Run("RejectsMalformedURL", func(t *testing.T) {
		t.Parallel()
		_, err := Connect(context.Background(), "redis://127.0.0.1:notaport", logger)
		require.ErrorContains(t, err, "VALKEY_URL")
	})

	t.Run("StartsWithoutServerAndConnectsWhenItAppears", func(t *testing.T) {
		t.Parallel()
		server, err := exec.LookPath("redis-server")
		if err != nil {
			if server, err = exec.LookPath("valkey-server"); err != nil {
				t.Skip("needs redis-server or valkey-server on PATH to start a server mid-test")
			}
		}
		port := freePort(t)
		c, err := Connect(context.Background(), "redis://127.0.0.1:"+strconv.Itoa(port), logger)
		require.NoError(t, err, "an unreachable server is not a start-up error")
		defer c.Close()
		_, ok := c.Client()
		require.False(t, ok)
		require.ErrorIs(t, c.Ping(context.Background()), ErrUnavailable)

		cmd := exec.Command(server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

		require.Eventually(t, func() bool { return c.Ping(context.Background()) == nil },
			3*ReconnectInterval, 50*time.Millisecond, "reconnects in the background")
	})
}

func TestRoundTripsOfBackgroundWorkAreCountedApart(t *testing.T) {
	t.Parallel()
	url, prefix := testvalkey.New(t)
	c, err := Connect(context.Background(), url, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer c.Close()
	set := func(b valkey.Builder) valkey.Completed { return b.Set().Key(prefix + "k").Value("v").Build() }
	require.NoError(t, c.Do(context.Background(), set).Error())
	require.Equal(t, int64(1), c.RoundTrips())
	require.NoError(t, c.Do(Background(context.Background()), set).Error())
	require.Equal(t, int64(1), c.RoundTrips(), "a fill after the response is not the request's round trip")
	require.Equal(t, int64(1), c.BackgroundRoundTrips())
}
