package bench

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCPUTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		stat string
		want time.Duration
		err  bool
	}{
		// Fields from 3 on: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime.
		{"PlainName", "42 (homekeep) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0", 3 * time.Second, false},
		{"NameWithSpacesAndParens", "42 (a (b) c) R 1 42 42 0 -1 0 0 0 0 0 7 3 0 0", 100 * time.Millisecond, false},
		{"Truncated", "42 (x) S 1 2", 0, true},
		{"NoName", "garbage", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cpuTime([]byte(tt.stat))
			if tt.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestReadProcReadsThisProcess(t *testing.T) {
	t.Parallel()
	s, err := ReadProc(os.Getpid())
	require.NoError(t, err)
	require.Positive(t, s.RSSKiB)
	require.GreaterOrEqual(t, s.PeakRSSKiB, s.RSSKiB)
	require.NoError(t, ResetPeakRSS(os.Getpid()))
	_, err = ReadProc(1 << 30) // no such process
	require.Error(t, err)
}
