package ratelimit

import "time"

// window is one fixed window of a rule: windows are aligned to the Unix epoch, so every process computes the
// same index for the same instant (up to clock skew between hosts) without coordinating.
type window struct {
	index int64
	end   time.Time
}

// windowAt returns the window of the given size that contains now.
func windowAt(now time.Time, size time.Duration) window {
	n, s := now.UnixNano(), int64(size)
	idx := n / s
	if n < 0 && n%s != 0 {
		idx-- // floor division; only reachable with clocks set before 1970
	}
	return window{index: idx, end: time.Unix(0, (idx+1)*s)}
}
