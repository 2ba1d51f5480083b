package gorush

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/push"
)

const testTopic = "app.homekeep.ios"

// outcomeOf is a Result in a form require.Equal prints readably.
type outcomeOf struct {
	Err             string
	Dead, Permanent bool
	RetryAfter      time.Duration
}

func outcomes(results []push.Result) []outcomeOf {
	out := make([]outcomeOf, len(results))
	for i, r := range results {
		out[i] = outcomeOf{Dead: r.Dead, Permanent: r.Permanent, RetryAfter: r.RetryAfter}
		if r.Err != nil {
			out[i].Err = r.Err.Error()
		}
	}
	return out
}

func TestSender(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		server *gorushServer
		sender *Sender
		logs   *syncBuffer
	}

	setup := func(t *testing.T, edit func(o *Options)) *testBundle {
		t.Helper()
		server := newGorushServer(t)
		logs := &syncBuffer{}
		o := Options{URL: server.URL + "/", IOSTopic: testTopic,
			Logger: slog.New(slog.NewTextHandler(logs, nil))}
		if edit != nil {
			edit(&o)
		}
		sender, err := New(o)
		require.NoError(t, err)
		return &testBundle{server: server, sender: sender, logs: logs}
	}

	// message is a push of device n; its token is long enough for Gorush to mask only part of it.
	message := func(n int64, platform string) push.Message {
		return push.Message{ID: fmt.Sprintf("7-%d-1", n), DeviceID: n, Platform: platform,
			Token: fmt.Sprintf("token-%s-%02d-0123456789abcdef", platform, n), Title: "Task assigned",
			Body: "Clean the gutters", Path: "/tasks/12", NotificationID: 7, Kind: "task_assigned",
			CollapseKey: "task:12", Badge: 4, Data: map[string]string{"task_id": "12"}}
	}

	t.Run("SendsEachFieldGorushNeeds", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		ios, android := message(1, push.PlatformIOS), message(2, push.PlatformAndroid)
		before := time.Now()

		results := b.sender.Send(t.Context(), []push.Message{ios, android})

		require.Equal(t, []outcomeOf{{}, {}}, outcomes(results))
		reqs := b.server.seen()
		require.Len(t, reqs, 2, "one request for each platform")
		byPlatform := map[float64]any{}
		for _, req := range reqs {
			elems, ok := req["notifications"].([]any)
			require.True(t, ok, "notifications is an array: %v", req)
			require.Len(t, elems, 1)
			el, ok := elems[0].(map[string]any)
			require.True(t, ok)
			p, _ := el["platform"].(float64)
			byPlatform[p] = el
		}
		data := map[string]any{"path": "/tasks/12", "notification_id": "7", "kind": "task_assigned",
			"task_id": "12"}
		gotIOS, ok := byPlatform[1].(map[string]any)
		require.True(t, ok, "an iOS element: %v", byPlatform)
		exp, ok := gotIOS["expiration"].(float64)
		require.True(t, ok, "expiration is a number: %v", gotIOS["expiration"])
		require.WithinDuration(t, before.Add(24*time.Hour), time.Unix(int64(exp), 0), time.Minute)
		delete(gotIOS, "expiration")
		require.Equal(t, map[string]any{
			"notif_id": "7-1-1", "tokens": []any{ios.Token}, "platform": float64(1),
			"title": "Task assigned", "message": "Clean the gutters", "sound": "default", "priority": "high",
			"data": data, "topic": testTopic, "badge": float64(4), "collapse_id": "task:12",
			"thread-id": "task_assigned", "push_type": "alert",
		}, gotIOS)
		require.Equal(t, map[string]any{
			"notif_id": "7-2-1", "tokens": []any{android.Token}, "platform": float64(2),
			"title": "Task assigned", "message": "Clean the gutters", "sound": "default", "priority": "high",
			"data": data, "collapse_key": "task:12",
			"android": map[string]any{"collapse_key": "task:12", "priority": "high",
				"notification": map[string]any{"tag": "task:12", "sound": "default"}},
		}, byPlatform[2])
	})

	t.Run("MapsFailureLogsByNotifID", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		fails := []struct {
			platform, err string
			want          outcomeOf
		}{
			{push.PlatformIOS, "", outcomeOf{}},
			{push.PlatformIOS, "Unregistered", outcomeOf{Err: "gorush failed to push: Unregistered", Dead: true}},
			{push.PlatformIOS, "BadDeviceToken", outcomeOf{Err: "gorush failed to push: BadDeviceToken", Dead: true}},
			{push.PlatformIOS, "ExpiredToken", outcomeOf{Err: "gorush failed to push: ExpiredToken", Dead: true}},
			{push.PlatformIOS, "DeviceTokenNotForTopic",
				outcomeOf{Err: "gorush failed to push: DeviceTokenNotForTopic", Dead: true}},
			{push.PlatformAndroid, "Requested entity was not found.",
				outcomeOf{Err: "gorush failed to push: Requested entity was not found.", Dead: true}},
			{push.PlatformAndroid, "UNREGISTERED", outcomeOf{Err: "gorush failed to push: UNREGISTERED", Dead: true}},
			{push.PlatformIOS, "TooManyRequests", outcomeOf{Err: "gorush failed to push: TooManyRequests"}},
			{push.PlatformAndroid, "", outcomeOf{}},
			{push.PlatformIOS, "Post \"https://api.push.apple.com/3/device/{token}\": EOF",
				outcomeOf{Err: "gorush failed to push: Post \"https://api.push.apple.com/3/device/" +
					"<token of device 9>\": EOF"}},
		}
		msgs := make([]push.Message, len(fails))
		want := make([]outcomeOf, len(fails))
		for i, f := range fails {
			msgs[i] = message(int64(i), f.platform)
			want[i] = f.want
			if f.err != "" {
				b.server.set(func(s *gorushServer) {
					s.failures[msgs[i].Token] = strings.ReplaceAll(f.err, "{token}", msgs[i].Token)
				})
			}
		}

		require.Equal(t, want, outcomes(b.sender.Send(t.Context(), msgs)))
	})

	t.Run("MapsByTokenWhenLogsHaveNoNotifID", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		msgs := []push.Message{message(1, push.PlatformIOS), message(2, push.PlatformIOS)}
		b.server.set(func(s *gorushServer) {
			s.noNotifID, s.hideToken = true, false
			s.failures[msgs[1].Token] = "Unregistered"
		})

		require.Equal(t, []outcomeOf{{}, {Err: "gorush failed to push: Unregistered", Dead: true}},
			outcomes(b.sender.Send(t.Context(), msgs)))
	})

	t.Run("UnnamedFailureIsRetried", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		msgs := []push.Message{message(1, push.PlatformIOS), message(2, push.PlatformAndroid)}
		b.server.set(func(s *gorushServer) {
			s.noNotifID = true
			s.failures[msgs[0].Token] = "Unregistered"
		})

		got := outcomes(b.sender.Send(t.Context(), msgs))

		require.Equal(t, outcomeOf{Err: "gorush reported a failed ios push without naming its device (set " +
			"log.hide_token: false in Gorush's config)"}, got[0], "an iOS push failed, but which is unknown")
		require.Equal(t, outcomeOf{}, got[1], "no Android push failed")
	})

	t.Run("ServerErrorThenDelivered", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.server.set(func(s *gorushServer) {
			s.replies = []fakeReply{
				{status: http.StatusInternalServerError, body: "oops"},
				{status: http.StatusServiceUnavailable, body: "{}", retryAfter: "12"},
			}
		})
		msgs := []push.Message{message(1, push.PlatformAndroid), message(2, push.PlatformAndroid)}

		first := outcomeOf{Err: "gorush answered 500: Internal Server Error"}
		require.Equal(t, []outcomeOf{first, first}, outcomes(b.sender.Send(t.Context(), msgs)))
		second := outcomeOf{Err: "gorush answered 503: Service Unavailable", RetryAfter: 12 * time.Second}
		require.Equal(t, []outcomeOf{second, second}, outcomes(b.sender.Send(t.Context(), msgs)))
		require.Equal(t, []outcomeOf{{}, {}}, outcomes(b.sender.Send(t.Context(), msgs)), "the third attempt")
	})

	t.Run("DroppedPlatformIsPermanentAndWarnedOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(o *Options) { o.BatchSize = 2 })
		b.server.set(func(s *gorushServer) { s.disabled[2] = true })
		msgs := []push.Message{message(1, push.PlatformIOS), message(2, push.PlatformAndroid),
			message(3, push.PlatformAndroid), message(4, push.PlatformIOS), message(5, push.PlatformAndroid)}

		dropped := outcomeOf{Err: "gorush dropped it: platform disabled?", Permanent: true}
		require.Equal(t, []outcomeOf{{}, dropped, dropped, {}, dropped}, outcomes(b.sender.Send(t.Context(), msgs)))
		require.Len(t, b.server.seen(), 3, "one iOS request and two Android ones of at most two pushes")
		require.Equal(t, 1, strings.Count(b.logs.String(), "level=WARN"), "logs: %s", b.logs.String())
		require.Contains(t, b.logs.String(), "dropped=3 sent=5")
	})

	t.Run("OnePlatformToARequest", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.server.set(func(s *gorushServer) { s.disabled[1] = true })
		msgs := []push.Message{message(1, push.PlatformAndroid), message(2, push.PlatformIOS),
			message(3, push.PlatformAndroid)}

		dropped := outcomeOf{Err: "gorush dropped it: platform disabled?", Permanent: true}
		require.Equal(t, []outcomeOf{{}, dropped, {}}, outcomes(b.sender.Send(t.Context(), msgs)),
			"Gorush's count tells which platform it dropped only when a request is of one platform")
		for _, req := range b.server.seen() {
			elems, ok := req["notifications"].([]any)
			require.True(t, ok)
			platforms := map[any]bool{}
			for _, e := range elems {
				el, ok := e.(map[string]any)
				require.True(t, ok)
				platforms[el["platform"]] = true
			}
			require.Len(t, platforms, 1, "request %v", req)
		}
	})

	t.Run("CountWithFailureLogIsNoDrop", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		msgs := []push.Message{message(1, push.PlatformAndroid), message(2, push.PlatformAndroid)}
		b.server.set(func(s *gorushServer) {
			s.failures[msgs[1].Token] = "Requested entity was not found."
			s.replies = []fakeReply{{status: http.StatusOK, body: `{"success":"ok","counts":1,"logs":[` +
				`{"notif_id":"7-2-1","type":"failed-push","platform":"android","token":"*","error":` +
				`"Requested entity was not found."}]}`}}
		})

		require.Equal(t, []outcomeOf{{}, {Err: "gorush failed to push: Requested entity was not found.", Dead: true}},
			outcomes(b.sender.Send(t.Context(), msgs)), "a platform Gorush wrote a log for was not dropped")
	})

	t.Run("MalformedReplyIsRetried", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.server.set(func(s *gorushServer) {
			s.replies = []fakeReply{{status: http.StatusOK, body: "<html>proxy</html>"},
				{status: http.StatusOK, body: `{"success":"ok"}`}}
		})
		msgs := []push.Message{message(1, push.PlatformIOS)}

		got := b.sender.Send(t.Context(), msgs)
		require.ErrorContains(t, got[0].Err, "reading gorush's reply")
		require.False(t, got[0].Dead || got[0].Permanent)
		require.Equal(t, []outcomeOf{{Err: "gorush's reply has no counts: is /api/push Gorush's push API?"}},
			outcomes(b.sender.Send(t.Context(), msgs)))
	})

	t.Run("BatchOverGorushLimitIsPermanent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(o *Options) { o.BatchSize = 3 })
		b.server.set(func(s *gorushServer) { s.maxNotification = 2 })
		msgs := []push.Message{message(1, push.PlatformIOS), message(2, push.PlatformIOS),
			message(3, push.PlatformIOS), message(4, push.PlatformIOS)}

		over := outcomeOf{Err: "gorush answered 400: Number of notifications(3) over limit(2)", Permanent: true}
		require.Equal(t, []outcomeOf{over, over, over, {}}, outcomes(b.sender.Send(t.Context(), msgs)))
	})

	t.Run("RefusesOtherPlatforms", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)

		require.True(t, b.sender.Handles(push.PlatformIOS))
		require.True(t, b.sender.Handles(push.PlatformAndroid))
		require.False(t, b.sender.Handles(push.PlatformWeb))
		got := b.sender.Send(t.Context(), []push.Message{message(1, push.PlatformWeb)})
		require.True(t, got[0].Permanent, "%+v", got[0])
		require.Empty(t, b.server.seen())
	})

	t.Run("UnreachableIsRetried", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		b.server.Close()

		got := b.sender.Send(t.Context(), []push.Message{message(1, push.PlatformIOS)})
		require.ErrorContains(t, got[0].Err, "posting to gorush")
		require.False(t, got[0].Dead || got[0].Permanent)
	})

	t.Run("CancelledContextIsRetried", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()

		got := b.sender.Send(ctx, []push.Message{message(1, push.PlatformIOS)})
		require.ErrorIs(t, got[0].Err, context.Canceled)
		require.False(t, got[0].Dead || got[0].Permanent)
	})
}

func TestNotifIDs(t *testing.T) {
	t.Parallel()

	got := notifIDs([]*push.Message{{ID: "a"}, {ID: ""}, {ID: "b"}, {ID: "b"}, {ID: "c"}})

	require.Equal(t, []string{"a", "homekeep-1", "homekeep-2", "homekeep-3", "c"}, got,
		"an empty or repeated ID would make a failure log name no message, or two")
}

func TestNew(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, url, want string
	}{
		{"MissingURL", "", "GORUSH_URL"},
		{"NotHTTP", "ftp://user:hunter2@gorush:8088", `not "ftp"://`},
		{"NoHost", "http:///api", "with a host"},
		{"NotAURL", "http://user:hunter2@[::1", "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(Options{URL: tt.url})
			require.ErrorContains(t, err, tt.want)
			require.NotContains(t, err.Error(), "hunter2", "a password in the URL never appears in an error")
		})
	}

	t.Run("Valid", func(t *testing.T) {
		t.Parallel()
		s, err := New(Options{URL: "http://gorush:8088/"})
		require.NoError(t, err)
		require.Equal(t, "http://gorush:8088/api/push", s.endpoint)
	})
}

// syncBuffer is a bytes.Buffer a logger and a test can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
