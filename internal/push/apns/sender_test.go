package apns

import (
	"context"
	"crypto/x509"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/push"
)

func TestSender(t *testing.T) {
	t.Parallel()

	type testBundle struct {
		server *apnsServer
		sender *Sender
	}

	setup := func(t *testing.T) *testBundle {
		t.Helper()
		server, key := newAPNsServer(t)
		roots := x509.NewCertPool()
		roots.AddCert(server.Certificate())
		sender, err := New(Options{Key: key, KeyID: testKeyID, TeamID: testTeamID, Topic: testTopic,
			Host: server.URL, RootCAs: roots})
		require.NoError(t, err)
		t.Cleanup(sender.CloseIdleConnections)
		return &testBundle{server: server, sender: sender}
	}

	message := func(token string) push.Message {
		return push.Message{ID: "7-3-1", DeviceID: 3, Platform: push.PlatformIOS, Token: token,
			Title: "Task assigned", Body: "Clean the gutters", Path: "/tasks/12", NotificationID: 7,
			Kind: "task_assigned", CollapseKey: "task:12", Badge: 4, Data: map[string]string{"task_id": "12"}}
	}

	t.Run("DeliversWithHeadersAndPayload", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		before := time.Now()

		results := b.sender.Send(t.Context(), []push.Message{message("aaaa")})

		require.Equal(t, []push.Result{{}}, results)
		reqs := b.server.seen("aaaa")
		require.Len(t, reqs, 1)
		h := reqs[0].header
		require.Equal(t, 2, reqs[0].proto, "APNs speaks HTTP/2 only")
		require.Equal(t, testTopic, h.Get("apns-topic"))
		require.Equal(t, "alert", h.Get("apns-push-type"))
		require.Equal(t, "task:12", h.Get("apns-collapse-id"))
		require.Equal(t, "10", h.Get("apns-priority"))
		exp, err := strconv.ParseInt(h.Get("apns-expiration"), 10, 64)
		require.NoError(t, err, "apns-expiration")
		require.WithinDuration(t, before.Add(ExpirationDefault), time.Unix(exp, 0), time.Minute)
		require.Equal(t, map[string]any{
			"aps": map[string]any{
				"alert":     map[string]any{"title": "Task assigned", "body": "Clean the gutters"},
				"badge":     float64(4),
				"sound":     "default",
				"thread-id": "task_assigned",
			},
			"path":            "/tasks/12",
			"notification_id": "7",
			"kind":            "task_assigned",
			"task_id":         "12",
		}, reqs[0].payload)
	})

	t.Run("NegativeBadgeLeavesTheBadge", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := message("aaaa")
		m.Badge = -1

		require.Equal(t, []push.Result{{}}, b.sender.Send(t.Context(), []push.Message{m}))
		aps, ok := b.server.seen("aaaa")[0].payload["aps"].(map[string]any)
		require.True(t, ok, "aps is an object")
		require.NotContains(t, aps, "badge")
	})

	t.Run("HashesALongCollapseKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		long, other := message("aaaa"), message("bbbb")
		long.CollapseKey = strings.Repeat("k", 65)
		other.CollapseKey = strings.Repeat("k", 64) + "j"

		require.Equal(t, []push.Result{{}, {}}, b.sender.Send(t.Context(), []push.Message{long, other}))
		id := b.server.seen("aaaa")[0].header.Get("apns-collapse-id")
		require.Len(t, id, 64)
		require.NotEqual(t, id, b.server.seen("bbbb")[0].header.Get("apns-collapse-id"),
			"two long keys that differ only at the end get different ids")
		require.Equal(t, id, collapseID(long.CollapseKey), "the same key always gets the same id")
	})

	t.Run("MapsEachReplyInOrder", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.server.answer("gone", reply{status: http.StatusGone, reason: "Unregistered"})
		b.server.answer("expired", reply{status: http.StatusGone, reason: "ExpiredToken"})
		b.server.answer("bad", reply{status: http.StatusBadRequest, reason: "BadDeviceToken"})
		b.server.answer("othertopic", reply{status: http.StatusBadRequest, reason: "DeviceTokenNotForTopic"})
		b.server.answer("large", reply{status: http.StatusBadRequest, reason: "PayloadTooLarge"})
		b.server.answer("large413", reply{status: http.StatusRequestEntityTooLarge, reason: "PayloadTooLarge"})
		b.server.answer("forbidden", reply{status: http.StatusForbidden, reason: "InvalidProviderToken"})
		b.server.answer("busy", reply{status: http.StatusTooManyRequests, reason: "TooManyRequests",
			retryAfter: "30"})
		b.server.answer("down", reply{status: http.StatusInternalServerError, reason: "InternalServerError"})
		tokens := []string{"ok", "gone", "expired", "bad", "othertopic", "large", "large413", "forbidden", "busy",
			"down"}
		msgs := make([]push.Message, len(tokens))
		for i, tok := range tokens {
			msgs[i] = message(tok)
		}

		results := b.sender.Send(t.Context(), msgs)

		type got struct {
			Err             string
			Dead, Permanent bool
			RetryAfter      time.Duration
		}
		want := map[string]got{
			"ok":         {},
			"gone":       {Err: "apns answered 410 Unregistered", Dead: true},
			"expired":    {Err: "apns answered 410 ExpiredToken", Dead: true},
			"bad":        {Err: "apns answered 400 BadDeviceToken", Dead: true},
			"othertopic": {Err: "apns answered 400 DeviceTokenNotForTopic", Dead: true},
			"large":      {Err: "apns answered 400 PayloadTooLarge", Permanent: true},
			"large413":   {Err: "apns answered 413 PayloadTooLarge", Permanent: true},
			"forbidden":  {Err: "apns answered 403 InvalidProviderToken", Permanent: true},
			"busy":       {Err: "apns answered 429 TooManyRequests", RetryAfter: 30 * time.Second},
			"down":       {Err: "apns answered 500 InternalServerError"},
		}
		require.Len(t, results, len(tokens))
		for i, tok := range tokens {
			r := results[i]
			g := got{Dead: r.Dead, Permanent: r.Permanent, RetryAfter: r.RetryAfter}
			if r.Err != nil {
				g.Err = r.Err.Error()
			}
			require.Equal(t, want[tok], g, "result %d, for the device answered as %q", i, tok)
		}
	})

	t.Run("UnavailableThenDelivered", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.server.answer("aaaa", reply{status: http.StatusServiceUnavailable, reason: "ServiceUnavailable",
			retryAfter: "7"}, reply{status: http.StatusOK})
		msgs := []push.Message{message("aaaa")}

		first := b.sender.Send(t.Context(), msgs)
		require.Len(t, first, 1)
		require.Error(t, first[0].Err)
		require.False(t, first[0].Dead || first[0].Permanent, "a 503 is worth another attempt: %+v", first[0])
		require.Equal(t, 7*time.Second, first[0].RetryAfter)

		require.Equal(t, []push.Result{{}}, b.sender.Send(t.Context(), msgs), "the second attempt")
		require.Len(t, b.server.seen("aaaa"), 2)
	})

	t.Run("UnreachableIsTransientAndNamesNoToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.server.Close()
		token := "deadbeefcafe0123"

		results := b.sender.Send(t.Context(), []push.Message{message(token)})

		require.Len(t, results, 1)
		require.Error(t, results[0].Err)
		require.False(t, results[0].Dead || results[0].Permanent, "a network error is worth another attempt")
		require.NotContains(t, results[0].Err.Error(), token, "a push token is the device's credential")
		require.Contains(t, results[0].Err.Error(), "device 3")
	})

	t.Run("RefusesOtherPlatforms", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		m := message("aaaa")
		m.Platform = push.PlatformAndroid

		require.False(t, b.sender.Handles(push.PlatformAndroid))
		require.True(t, b.sender.Handles(push.PlatformIOS))
		results := b.sender.Send(t.Context(), []push.Message{m})
		require.Len(t, results, 1)
		require.True(t, results[0].Permanent, "%+v", results[0])
		require.Empty(t, b.server.seen("aaaa"))
	})

	t.Run("CancelledContextIsTransient", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()

		results := b.sender.Send(ctx, []push.Message{message("aaaa")})

		require.Len(t, results, 1)
		require.ErrorIs(t, results[0].Err, context.Canceled)
		require.False(t, results[0].Dead || results[0].Permanent)
	})
}

func TestNew(t *testing.T) {
	t.Parallel()

	_, key := newAPNsServer(t)
	valid := Options{Key: key, KeyID: testKeyID, TeamID: testTeamID, Topic: testTopic}
	secret := "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"

	tests := []struct {
		name string
		edit func(o *Options)
		want string
	}{
		{"MissingKey", func(o *Options) { o.Key = nil }, "APNS_KEY_FILE"},
		{"KeyNotPEM", func(o *Options) { o.Key = []byte(secret) }, "valid .p8 PEM"},
		{"KeyNotPKCS8", func(o *Options) {
			o.Key = []byte("-----BEGIN PRIVATE KEY-----\n" + secret + "\n-----END PRIVATE KEY-----\n")
		}, "reading the signing key"},
		{"MissingKeyID", func(o *Options) { o.KeyID = "" }, "APNS_KEY_ID"},
		{"MissingTeamID", func(o *Options) { o.TeamID = "" }, "APNS_TEAM_ID"},
		{"MissingTopic", func(o *Options) { o.Topic = "" }, "APNS_TOPIC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := valid
			tt.edit(&o)
			_, err := New(o)
			require.ErrorContains(t, err, tt.want)
			require.NotContains(t, err.Error(), secret[:20], "the key never appears in an error")
		})
	}

	t.Run("Valid", func(t *testing.T) {
		t.Parallel()
		s, err := New(valid)
		require.NoError(t, err)
		require.Equal(t, "https://api.sandbox.push.apple.com", s.client.Host, "sandbox unless told otherwise")
		o := valid
		o.Production = true
		s, err = New(o)
		require.NoError(t, err)
		require.Equal(t, "https://api.push.apple.com", s.client.Host)
	})
}
