package periodic

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	t.Parallel()

	t.Run("WaitsWhatEachPassReturnsAndStopsWithTheContext", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		var at []time.Time
		start := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			Run(ctx, 10*time.Millisecond, func(context.Context) time.Duration {
				at = append(at, time.Now())
				if len(at) == 3 {
					cancel()
				}
				return time.Duration(len(at)) * 20 * time.Millisecond
			})
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
		require.Len(t, at, 3, "no pass after the context ended")
		require.GreaterOrEqual(t, at[0].Sub(start), 10*time.Millisecond, "the first pass waits first")
		require.GreaterOrEqual(t, at[1].Sub(at[0]), 20*time.Millisecond, "then what the first pass returned")
		require.GreaterOrEqual(t, at[2].Sub(at[1]), 40*time.Millisecond, "then what the second pass returned")
	})

	t.Run("ReturnsAtOnceWhenTheContextHasEnded", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		Run(ctx, time.Hour, func(context.Context) time.Duration {
			t.Error("no pass may run")
			return time.Hour
		})
	})
}
