package valkeyconn

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/valkey-io/valkey-go"

	"github.com/homekeep/homekeep/internal/testvalkey"
)

func TestCallTimeout(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.DiscardHandler)
	// DEBUG SLEEP would stall the shared server for every test; a blocking pop on an empty list waits just as
	// long for this connection alone.
	slowCall := func(c *Conn, key string) error {
		return c.Do(context.Background(), func(b valkey.Builder) valkey.Completed {
			return b.Blpop().Key(key).Timeout(0.3).Build()
		}).Error()
	}

	t.Run("DefaultIsCallTimeout", func(t *testing.T) {
		t.Parallel()
		url, _ := testvalkey.New(t)
		c, err := Connect(context.Background(), url, logger)
		require.NoError(t, err)
		defer c.Close()
		require.Equal(t, CallTimeout, c.callTimeout)
	})

	t.Run("ASlowerAnswerCountsAsDown", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		c, err := Connect(context.Background(), url, logger, WithCallTimeout(50*time.Millisecond))
		require.NoError(t, err)
		defer c.Close()
		require.Error(t, slowCall(c, prefix+"empty"), "a 300 ms answer exceeds a 50 ms timeout")
		require.ErrorIs(t, c.Ping(context.Background()), ErrUnavailable, "and starts the cooldown")
	})

	t.Run("ALongerTimeoutWaitsForTheAnswer", func(t *testing.T) {
		t.Parallel()
		url, prefix := testvalkey.New(t)
		c, err := Connect(context.Background(), url, logger, WithCallTimeout(5*time.Second))
		require.NoError(t, err)
		defer c.Close()
		err = slowCall(c, prefix+"empty")
		require.True(t, err == nil || valkey.IsValkeyNil(err), "a timed-out BLPOP answers nil, not an error: %v", err)
		require.NoError(t, c.Ping(context.Background()), "and Valkey is not considered down")
	})
}
