package testwait

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records a Fatalf instead of ending the test.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestUntil(t *testing.T) {
	t.Parallel()

	t.Run("ReturnsOnceTheConditionHolds", func(t *testing.T) {
		t.Parallel()
		calls := 0
		start := time.Now()
		Until(t, time.Second, func() bool { calls++; return calls == 3 }, "never")
		require.Equal(t, 3, calls)
		require.Less(t, time.Since(start), 100*time.Millisecond, "a few short pauses, not the deadline")
	})

	t.Run("FailsAtTheDeadlineSayingWhat", func(t *testing.T) {
		t.Parallel()
		r := &recorder{TB: t}
		start := time.Now()
		done := false
		Until(r, 30*time.Millisecond, func() bool { return done }, "the %s never landed", "fill")
		require.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
		require.Equal(t, "testwait: after 30ms: the fill never landed", r.failed)
	})
}
