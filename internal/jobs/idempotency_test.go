package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
)

// TestIdempotencyPurgeRunsHourlyWithTheClock checks that a process with a purge schedules it every hour and
// that the worker purges with the client's clock; one without completes the job without work.
func TestIdempotencyPurgeRunsHourlyWithTheClock(t *testing.T) {
	t.Parallel()
	require.Empty(t, idempotencyPurgeJobs(false))
	require.Len(t, idempotencyPurgeJobs(true), 1)

	now := time.Date(2026, 11, 29, 22, 0, 0, 0, time.UTC)
	var got time.Time
	w := &idempotencyPurgeWorker{now: func() time.Time { return now }, purge: func(_ context.Context, at time.Time) (int64, error) {
		got = at
		return 3, nil
	}}
	require.NoError(t, w.Work(context.Background(), &river.Job[IdempotencyPurgeArgs]{}))
	require.Equal(t, now, got)
	require.NoError(t, (&idempotencyPurgeWorker{}).Work(context.Background(), &river.Job[IdempotencyPurgeArgs]{}))
}
