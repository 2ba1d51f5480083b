package unifiedpush

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)
	cases := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"999999999", maxRetryAfter},
	}
	for _, tc := range cases {
		h := http.Header{}
		if tc.value != "" {
			h.Set("Retry-After", tc.value)
		}
		if got := retryAfter(h, now); got != tc.want {
			t.Errorf("retryAfter(Retry-After: %q) = %s, want %s", tc.value, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)
	b := newBackoff()
	b.hold("https://push.example/a", now.Add(30*time.Second), now)

	if got := b.remaining("https://push.example/a", now.Add(10*time.Second)); got != 20*time.Second {
		t.Errorf("remaining(a) 10s after a 30s hold = %s, want 20s", got)
	}
	if got := b.remaining("https://push.example/b", now); got != 0 {
		t.Errorf("remaining(b), another endpoint of the same host = %s, want 0", got)
	}
	if got := b.remaining("https://push.example/a", now.Add(30*time.Second)); got != 0 {
		t.Errorf("remaining(a) once the hold is over = %s, want 0", got)
	}
}
