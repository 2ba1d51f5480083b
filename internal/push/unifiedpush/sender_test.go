package unifiedpush

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/endpoint"
)

// received is one push as the test's UnifiedPush server got it.
type received struct {
	header http.Header
	body   []byte
}

// upServer is a UnifiedPush server started by a test: it keeps every push it gets by endpoint path and
// answers each path as the test set it up. An answer is a list of status codes, used in turn (the last
// one repeats).
type upServer struct {
	*httptest.Server

	mu       sync.Mutex
	answers  map[string][]int
	headers  map[string]http.Header // extra response headers by path
	received map[string][]received
}

func startServer(t *testing.T) *upServer {
	t.Helper()
	s := &upServer{answers: map[string][]int{}, headers: map[string]http.Header{}, received: map[string][]received{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// endpoint registers the answers for path and returns the endpoint URL a device would register.
func (s *upServer) endpoint(path string, statuses ...int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[path] = statuses
	return s.URL + path
}

// setHeaders adds headers to every answer for path.
func (s *upServer) setHeaders(path string, h http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.headers[path] = h
}

func (s *upServer) pushes(path string) []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received[path]...)
}

func (s *upServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.received[r.URL.Path])
	s.received[r.URL.Path] = append(s.received[r.URL.Path], received{header: r.Header.Clone(), body: body})
	statuses := s.answers[r.URL.Path]
	extra := s.headers[r.URL.Path]
	s.mu.Unlock()

	if r.Method != http.MethodPost || len(statuses) == 0 {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	for k, v := range extra {
		w.Header()[k] = v
	}
	status := statuses[min(n, len(statuses)-1)]
	if status == http.StatusTemporaryRedirect {
		w.Header().Set("Location", s.URL+"/up/redirect-target")
	}
	w.Header().Set("TTL", "0") // what the spec asks of a push server
	w.WriteHeader(status)
}

// newSender returns a Sender allowed to reach the test's server on 127.0.0.1.
func newSender(t *testing.T) *Sender {
	t.Helper()
	s, err := New(Options{Policy: endpoint.Policy{AllowLoopbackHTTP: true}, Timeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(s.client.CloseIdleConnections)
	return s
}

// message returns a UnifiedPush message to endpointURL for device id.
func message(id int64, endpointURL string) push.Message {
	return push.Message{
		ID: "attempt-1", DeviceID: id, Platform: push.PlatformUnifiedPush, Token: endpointURL,
		Title: "Bins go out tonight", Body: "Recycling & <glass> — before 7", Path: "/tasks/12",
		NotificationID: 31, Kind: "task_due", CollapseKey: "task-12", Badge: 3,
		Data: map[string]string{"task_id": "12"},
	}
}

// requireNoEndpoint fails when a result's error repeats the endpoint's secret path.
func requireNoEndpoint(t *testing.T, res push.Result, endpointURL string) {
	t.Helper()
	if res.Err != nil {
		secret := endpointURL[strings.LastIndex(endpointURL, "/"):]
		require.NotContains(t, res.Err.Error(), secret, "a result's error repeats the endpoint, a device credential")
	}
}

func TestSender(t *testing.T) {
	t.Parallel()

	t.Run("DeliversWithHeadersAndPayload", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		url := srv.endpoint("/up/dev-ok-Zx81", http.StatusCreated)

		results := newSender(t).Send(context.Background(), []push.Message{message(7, url)})
		require.Equal(t, []push.Result{{}}, results)

		got := srv.pushes("/up/dev-ok-Zx81")
		require.Len(t, got, 1, "pushes the server got")
		h := got[0].header
		require.Equal(t, "application/json", h.Get("Content-Type"))
		require.Equal(t, "86400", h.Get("TTL"), "TTL header: TTLDefault in seconds")
		require.Equal(t, "normal", h.Get("Urgency"))
		require.Equal(t, "task-12", h.Get("Topic"), "Topic header carries the collapse key")
		require.JSONEq(t, `{"title":"Bins go out tonight","body":"Recycling & <glass> — before 7","path":"/tasks/12",
			"notification_id":"31","kind":"task_due","data":{"task_id":"12"}}`, string(got[0].body))
		require.NotContains(t, string(got[0].body), `\u003c`, "payload is compact: no HTML escapes")
	})

	t.Run("AcceptsAny2xx", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		msgs := []push.Message{
			message(1, srv.endpoint("/up/a200", http.StatusOK)),
			message(2, srv.endpoint("/up/a202", http.StatusAccepted)),
			message(3, srv.endpoint("/up/a204", http.StatusNoContent)),
		}
		require.Equal(t, []push.Result{{}, {}, {}}, newSender(t).Send(context.Background(), msgs))
	})

	t.Run("MapsRefusals", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		cases := []struct {
			path            string
			status          int
			dead, permanent bool
			says            string
		}{
			{"/up/gone-404", http.StatusNotFound, true, false, "gone (404 Not Found)"},
			{"/up/gone-410", http.StatusGone, true, false, "gone (410 Gone)"},
			{"/up/large-413", http.StatusRequestEntityTooLarge, false, true, "too large"},
			{"/up/bad-400", http.StatusBadRequest, false, true, "refused the push (400 Bad Request)"},
			{"/up/forbidden-403", http.StatusForbidden, false, true, "refused the push (403 Forbidden)"},
			{"/up/redirect-307", http.StatusTemporaryRedirect, false, true, "redirects are not followed"},
			{"/up/broken-500", http.StatusInternalServerError, false, false, "failed (500 Internal Server Error)"},
			{"/up/busy-429", http.StatusTooManyRequests, false, false, "rate limited (429 Too Many Requests)"},
		}
		var msgs []push.Message
		for i, tc := range cases {
			msgs = append(msgs, message(int64(i+1), srv.endpoint(tc.path, tc.status)))
		}
		results := newSender(t).Send(context.Background(), msgs)
		require.Len(t, results, len(cases))
		for i, tc := range cases {
			res := results[i]
			require.Error(t, res.Err, "%s: answered %d", tc.path, tc.status)
			require.Equal(t, tc.dead, res.Dead, "%s: Dead (%v)", tc.path, res.Err)
			require.Equal(t, tc.permanent, res.Permanent, "%s: Permanent (%v)", tc.path, res.Err)
			require.Contains(t, res.Err.Error(), tc.says, "%s", tc.path)
			require.Contains(t, res.Err.Error(), "device "+strconv.Itoa(i+1), "%s: the error names the device", tc.path)
			requireNoEndpoint(t, res, msgs[i].Token)
		}
		require.Empty(t, srv.pushes("/up/redirect-target"), "the redirect was followed")
	})

	t.Run("TransientThenDelivered", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		srv.setHeaders("/up/flaky", http.Header{"Retry-After": {"7"}})
		url := srv.endpoint("/up/flaky", http.StatusServiceUnavailable, http.StatusCreated)
		sender := newSender(t)

		first := sender.Send(context.Background(), []push.Message{message(4, url)})[0]
		require.Error(t, first.Err, "first send answered 503")
		require.False(t, first.Dead || first.Permanent, "a 503 is worth retrying: %+v", first)
		require.Equal(t, 7*time.Second, first.RetryAfter, "Retry-After of the 503")

		second := sender.Send(context.Background(), []push.Message{message(4, url)})[0]
		require.NoError(t, second.Err, "second send of the same message")
		require.Len(t, srv.pushes("/up/flaky"), 2)
	})

	t.Run("NetworkErrorIsTransient", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		url := srv.endpoint("/up/unreachable-Qp3", http.StatusCreated)
		srv.Close() // nothing listens there any more

		res := newSender(t).Send(context.Background(), []push.Message{message(5, url)})[0]
		require.Error(t, res.Err)
		require.False(t, res.Dead || res.Permanent, "a refused connection is worth retrying: %v", res.Err)
		requireNoEndpoint(t, res, url)
	})

	t.Run("RateLimitIsPerEndpoint", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		srv.setHeaders("/up/busy", http.Header{"Retry-After": {"30"}})
		busy := srv.endpoint("/up/busy", http.StatusTooManyRequests, http.StatusCreated)
		calm := srv.endpoint("/up/calm", http.StatusCreated)
		sender := newSender(t)

		results := sender.Send(context.Background(), []push.Message{message(1, busy), message(2, calm)})
		require.Error(t, results[0].Err, "the busy endpoint answered 429")
		require.False(t, results[0].Dead || results[0].Permanent)
		require.Equal(t, 30*time.Second, results[0].RetryAfter)
		require.NoError(t, results[1].Err, "another endpoint on the same server is not held by the 429")

		results = sender.Send(context.Background(), []push.Message{message(1, busy), message(2, calm)})
		require.Error(t, results[0].Err, "the busy endpoint is still to be left alone")
		require.False(t, results[0].Dead || results[0].Permanent)
		require.Greater(t, results[0].RetryAfter, 25*time.Second, "what is left of the 30s")
		require.NoError(t, results[1].Err)
		require.Len(t, srv.pushes("/up/busy"), 1, "the busy endpoint got a push while it asked to be left alone")
		require.Len(t, srv.pushes("/up/calm"), 2)
	})

	t.Run("RefusesLoopbackWithoutThePolicy", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		url := srv.endpoint("/up/dev-Lk2", http.StatusCreated)
		sender, err := New(Options{})
		require.NoError(t, err)

		res := sender.Send(context.Background(), []push.Message{message(8, url)})[0]
		require.ErrorIs(t, res.Err, endpoint.ErrNotAllowed)
		require.True(t, res.Permanent, "an endpoint the guard refuses is permanent: %v", res.Err)
		require.False(t, res.Dead)
		require.Contains(t, res.Err.Error(), "device 8")
		requireNoEndpoint(t, res, url)
		require.Empty(t, srv.pushes("/up/dev-Lk2"), "a request reached the server")
	})

	t.Run("ChecksTheEndpointAgainAtSend", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		srv.endpoint("/up/userinfo", http.StatusCreated)
		// Loopback is allowed, so the dialer would connect; the userinfo is what the check refuses.
		url := strings.Replace(srv.URL, "http://", "http://user:pw@", 1) + "/up/userinfo"

		res := newSender(t).Send(context.Background(), []push.Message{message(11, url)})[0]
		require.ErrorIs(t, res.Err, endpoint.ErrNotAllowed)
		require.True(t, res.Permanent, "%v", res.Err)
		require.Contains(t, res.Err.Error(), "userinfo")
		require.Empty(t, srv.pushes("/up/userinfo"), "a request reached the server")
	})

	t.Run("ShortensALongBodyToFit", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		url := srv.endpoint("/up/long", http.StatusCreated)
		msg := message(9, url)
		msg.Body = strings.Repeat("Größe ", 2000)

		require.NoError(t, newSender(t).Send(context.Background(), []push.Message{msg})[0].Err)
		got := srv.pushes("/up/long")
		require.Len(t, got, 1)
		require.LessOrEqual(t, len(got[0].body), MaxPayload)
		require.Greater(t, len(got[0].body), MaxPayload-16, "the body is cut no shorter than needed")
		var p payload
		require.NoError(t, json.Unmarshal(got[0].body, &p))
		require.Equal(t, msg.Title, p.Title, "the title is kept")
		require.True(t, strings.HasSuffix(p.Body, ellipsis), "a cut body ends in an ellipsis")
		require.True(t, strings.HasPrefix(msg.Body, strings.TrimSuffix(p.Body, ellipsis)), "the cut body is a prefix of the body")
		require.Equal(t, "31", p.NotificationID)
	})

	t.Run("RefusesOtherPlatforms", func(t *testing.T) {
		t.Parallel()
		srv := startServer(t)
		msg := message(10, srv.endpoint("/up/android", http.StatusCreated))
		msg.Platform = push.PlatformAndroid

		sender := newSender(t)
		require.False(t, sender.Handles(push.PlatformAndroid))
		require.True(t, sender.Handles(push.PlatformUnifiedPush))
		res := sender.Send(context.Background(), []push.Message{msg})[0]
		require.True(t, res.Permanent, "%v", res.Err)
		require.Empty(t, srv.pushes("/up/android"))
	})
}

func TestNewRefusesAShortTTL(t *testing.T) {
	t.Parallel()
	_, err := New(Options{TTL: 500 * time.Millisecond})
	require.ErrorContains(t, err, "UNIFIEDPUSH_TTL")
	require.False(t, errors.Is(err, endpoint.ErrNotAllowed))
}
