package apptest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func TestTracerCountsRoundTrips(t *testing.T) {
	t.Parallel()

	t.Run("SequentialIsTheLongestChainOfRoundTripsThatWaitedForEachOther", func(t *testing.T) {
		t.Parallel()
		at := func(ms int) time.Time { return time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond) }
		tests := []struct {
			name  string
			trips []*trip
			want  int64
		}{
			{"None", nil, 0},
			{"One", []*trip{{at(0), at(5)}}, 1},
			{"OneAfterAnother", []*trip{{at(0), at(5)}, {at(6), at(9)}}, 2},
			{"Overlapping", []*trip{{at(0), at(5)}, {at(1), at(6)}}, 1},
			{"TwoSideBySideThenOne", []*trip{{at(0), at(5)}, {at(1), at(6)}, {at(7), at(8)}}, 2},
			{"StillRunningNeverEnds", []*trip{{start: at(0)}, {at(6), at(9)}}, 1},
			{"RecordedOutOfOrder", []*trip{{at(6), at(9)}, {at(0), at(5)}}, 2},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				tr := &Tracer{}
				s := tr.Snapshot()
				tr.trips = tt.trips
				require.Equal(t, tt.want, tr.Sequential(s))
			})
		}
	})

	t.Run("ABatchIsOneRoundTripOfSeveralStatements", func(t *testing.T) {
		t.Parallel()
		tr := &Tracer{}
		s := tr.Snapshot()
		b := &pgx.Batch{}
		b.Queue("SELECT 1")
		b.Queue("SELECT 2")
		ctx := tr.TraceBatchStart(context.Background(), nil, pgx.TraceBatchStartData{Batch: b})
		tr.TraceBatchEnd(ctx, nil, pgx.TraceBatchEndData{})
		ctx = tr.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "SELECT 3"})
		tr.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{})
		require.Equal(t, int64(3), tr.Statements(s))
		require.Equal(t, int64(2), tr.RoundTrips(s))
		require.Equal(t, int64(2), tr.Sequential(s), "the statement was sent after the batch had ended")
		require.Equal(t, []string{"SELECT 1", "SELECT 2", "SELECT 3"}, tr.Since(s))
	})
}
