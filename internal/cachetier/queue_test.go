package cachetier

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestQueue(t *testing.T) {
	t.Parallel()

	t.Run("RunsWritesInOrder", func(t *testing.T) {
		t.Parallel()
		q := NewQueue(4)
		defer q.Close()
		got := make(chan int, 3)
		for i := range 3 {
			require.True(t, q.Go(func(context.Context) { got <- i }))
		}
		for want := range 3 {
			select {
			case v := <-got:
				require.Equal(t, want, v)
			case <-time.After(time.Second):
				t.Fatal("write did not run")
			}
		}
	})

	t.Run("DropsWhenFullInsteadOfBlocking", func(t *testing.T) {
		t.Parallel()
		q := NewQueue(1)
		defer q.Close()
		release := make(chan struct{})
		started := make(chan struct{})
		require.True(t, q.Go(func(context.Context) { close(started); <-release }))
		<-started
		require.True(t, q.Go(func(context.Context) {}), "one slot is free")
		require.False(t, q.Go(func(context.Context) {}), "a full queue refuses without blocking the request")
		close(release)
	})

	t.Run("StartsNoGoroutineBeforeTheFirstWrite", func(t *testing.T) {
		t.Parallel()
		q := NewQueue(1)
		q.mu.Lock()
		started := q.started
		q.mu.Unlock()
		require.False(t, started, "a tier that is only invalidated (a CLI run) runs no writer")
		q.Close()
	})

	t.Run("RefusesWritesAfterClose", func(t *testing.T) {
		t.Parallel()
		q := NewQueue(1)
		ran := make(chan struct{})
		require.True(t, q.Go(func(context.Context) { close(ran) }))
		<-ran
		q.Close()
		require.False(t, q.Go(func(context.Context) {}), "a closed queue starts no goroutine again")
	})
}
