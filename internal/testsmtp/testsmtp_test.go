package testsmtp

import (
	"fmt"
	"net/smtp"
	"strings"
	"sync"
	"testing"
)

// TestNextWakesEveryWaiter: parallel tests wait for their own recipients at the same time; each message must
// reach the waiter for its recipient, whichever waiter happened to be woken first.
func TestNextWakesEveryWaiter(t *testing.T) {
	t.Parallel()
	s := Start(t)
	addr := strings.TrimPrefix(s.URL, "smtp://")
	const n = 8
	var wg sync.WaitGroup
	got := make([]string, n)
	for i := range n {
		wg.Go(func() { got[i] = s.Next(t, fmt.Sprintf("user%d@example.com", i)).Subject })
	}
	for i := range n {
		to := fmt.Sprintf("user%d@example.com", n-1-i) // in the reverse order of the waiters
		msg := "To: " + to + "\r\nSubject: for " + to + "\r\n\r\nhello\r\n"
		if err := smtp.SendMail(addr, nil, "from@example.com", []string{to}, []byte(msg)); err != nil {
			t.Fatalf("sending to %s: %v", to, err)
		}
	}
	wg.Wait()
	for i, subj := range got {
		if want := fmt.Sprintf("for user%d@example.com", i); subj != want {
			t.Errorf("waiter %d got %q, want %q", i, subj, want)
		}
	}
}
