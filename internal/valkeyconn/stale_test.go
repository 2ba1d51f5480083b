package valkeyconn

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testvalkey"
)

func TestAwaitStaleCopies(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.DiscardHandler)
	connected := func(t *testing.T) *Conn {
		t.Helper()
		url, _ := testvalkey.New(t)
		c, err := Connect(context.Background(), url, logger)
		require.NoError(t, err)
		t.Cleanup(c.Close)
		return c
	}
	// took runs AwaitStaleCopies with a context that ends after limit and returns how long it waited.
	took := func(c *Conn, start time.Time, limit time.Duration) time.Duration {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		begin := time.Now()
		c.AwaitStaleCopies(ctx, start)
		return time.Since(begin)
	}

	t.Run("AFailedWriteJustNowWaitsForTheOtherProcessesToNotice", func(t *testing.T) {
		t.Parallel()
		c := connected(t)
		require.GreaterOrEqual(t, took(c, time.Now(), 300*time.Millisecond), 250*time.Millisecond,
			"it waits (here until its context ends)")
	})

	t.Run("AnOutageOlderThanTheBoundWaitsForNothing", func(t *testing.T) {
		t.Parallel()
		c := connected(t)
		c.observe(&net.OpError{Op: "read", Err: errors.New("i/o timeout")})
		c.downSince.Store(time.Now().Add(-StaleBound).UnixNano())
		require.Less(t, took(c, time.Now(), 5*time.Second), time.Second,
			"every process has dropped its copies since the outage began")
	})

	t.Run("AnAnswerEndsTheOutage", func(t *testing.T) {
		t.Parallel()
		c := connected(t)
		c.downSince.Store(time.Now().Add(-StaleBound).UnixNano())
		require.NoError(t, c.Ping(context.Background()))
		require.Zero(t, c.downSince.Load(), "a new failure starts a new outage")
	})

	t.Run("ANeverConnectedValkeyWaitsForNothing", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		c, err := Connect(context.Background(), "redis://"+addr, logger)
		require.NoError(t, err)
		defer c.Close()
		require.Less(t, took(c, time.Now(), 5*time.Second), time.Second)
	})
}
