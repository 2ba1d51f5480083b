package gorush

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// gorushServer answers POST /api/push as Gorush does in sync mode (core.sync: true, the local queue): it
// drops the elements of a disabled platform, counts the tokens of the others, and lists a failure log for
// each token the test made fail.
type gorushServer struct {
	*httptest.Server

	mu sync.Mutex
	// disabled are the platforms (1 iOS, 2 Android) whose elements are dropped.
	disabled map[int]bool
	// hideToken masks the tokens in logs, as Gorush's log.hide_token (true by default) does.
	hideToken bool
	// noNotifID leaves notif_id out of the logs, as Gorush releases before it did.
	noNotifID bool
	// maxNotification is Gorush's core.max_notification.
	maxNotification int
	// failures are the error each token's push fails with; a token without one is delivered.
	failures map[string]string
	// replies are whole replies to give before answering normally: a status and a body.
	replies []fakeReply
	// requests are the bodies received, decoded loosely so the test sees the JSON names.
	requests []map[string]any
	problems []string
}

type fakeReply struct {
	status     int
	body       string
	retryAfter string
}

func newGorushServer(t *testing.T) *gorushServer {
	t.Helper()
	s := &gorushServer{disabled: map[int]bool{}, hideToken: true, maxNotification: 100,
		failures: map[string]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		s.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		require.Empty(t, s.problems, "what the Gorush test server found wrong in the requests")
	})
	return s
}

func (s *gorushServer) set(f func(s *gorushServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *gorushServer) seen() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *gorushServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/api/push" ||
		r.Header.Get("Content-Type") != "application/json" {
		s.problems = append(s.problems, fmt.Sprintf("unexpected %s %s (%s)", r.Method, r.URL.Path,
			r.Header.Get("Content-Type")))
		http.NotFound(w, r)
		return
	}
	var loose map[string]any
	var req struct {
		Notifications []struct {
			ID       string   `json:"notif_id"`
			Tokens   []string `json:"tokens"`
			Platform int      `json:"platform"`
			Message  string   `json:"message"`
		} `json:"notifications"`
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&loose); err != nil {
		s.problems = append(s.problems, "body: "+err.Error())
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	s.requests = append(s.requests, loose)
	raw, _ := json.Marshal(loose)
	_ = json.Unmarshal(raw, &req)
	if len(s.replies) > 0 {
		rep := s.replies[0]
		s.replies = s.replies[1:]
		if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		w.WriteHeader(rep.status)
		_, _ = w.Write([]byte(rep.body))
		return
	}
	if len(req.Notifications) > s.maxNotification {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 400, "message": fmt.Sprintf(
			"Number of notifications(%d) over limit(%d)", len(req.Notifications), s.maxNotification)})
		return
	}
	counts := 0
	logs := []map[string]string{}
	for _, n := range req.Notifications {
		if s.disabled[n.Platform] {
			continue
		}
		counts += len(n.Tokens)
		for _, tok := range n.Tokens {
			text, failed := s.failures[tok]
			if !failed {
				continue
			}
			entry := map[string]string{"type": "failed-push", "platform": platformName(n.Platform),
				"token": tok, "message": n.Message, "error": text}
			if s.hideToken {
				entry["token"] = mask(tok)
			}
			if !s.noNotifID {
				entry["notif_id"] = n.ID
			}
			logs = append(logs, entry)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": "ok", "counts": counts, "logs": logs})
}

func platformName(p int) string {
	switch p {
	case 1:
		return "ios"
	case 2:
		return "android"
	}
	return ""
}

// mask hides a token as Gorush does: its first and last ten characters, or all of a short one.
func mask(tok string) string {
	if len(tok) < 20 {
		return strings.Repeat("*", len(tok))
	}
	return strings.Repeat("*", 10) + tok[10:len(tok)-10] + strings.Repeat("*", 10)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
