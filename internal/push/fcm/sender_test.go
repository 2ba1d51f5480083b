package fcm

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/push"
)

// newSender returns a Sender whose credentials (signed with key) fetch tokens from srv and send to srv.
func newSender(t *testing.T, srv *fcmServer, key *rsa.PrivateKey, project string) *Sender {
	t.Helper()
	s, err := New(Options{
		CredentialsJSON: srv.credentials(t, key),
		ProjectID:       project,
		BaseURL:         srv.URL,
		HTTPClient:      srv.Client(),
		Timeout:         5 * time.Second,
	})
	require.NoError(t, err)
	return s
}

// pushTo returns an Android message to the device token for device id.
func pushTo(id int64, token string) push.Message {
	return push.Message{
		ID: "attempt-1", DeviceID: id, Platform: push.PlatformAndroid, Token: token,
		Title: "Bins go out tonight", Body: "Recycling before 7", Path: "/tasks/12",
		NotificationID: 31, Kind: "task_due", CollapseKey: "task-12", Badge: 3,
		Data: map[string]string{"task_id": "12", "kind": "overridden"},
	}
}

// requireNoToken fails when a result's error repeats the device's token.
func requireNoToken(t *testing.T, res push.Result, token string) {
	t.Helper()
	if res.Err != nil {
		require.NotContains(t, res.Err.Error(), token, "a result's error repeats the device token, a credential")
	}
}

func TestSender(t *testing.T) {
	t.Parallel()
	srv := startFCM(t)

	t.Run("DeliversTheV1Message", func(t *testing.T) {
		t.Parallel()
		const token = "tok-ok-4f9a"
		srv.on(token, answer{status: http.StatusOK, body: `{"name":"projects/homekeep-test/messages/0:1700000000000000%31"}`})

		results := newSender(t, srv, srv.key, "").Send(context.Background(), []push.Message{pushTo(1, token)})
		require.Equal(t, []push.Result{{}}, results)

		got := srv.messages(token)
		require.Len(t, got, 1, "messages the server got")
		b, err := json.Marshal(got[0])
		require.NoError(t, err)
		require.JSONEq(t, `{
			"token": "tok-ok-4f9a",
			"notification": {"title": "Bins go out tonight", "body": "Recycling before 7"},
			"data": {"path": "/tasks/12", "notification_id": "31", "kind": "task_due", "task_id": "12"},
			"android": {"collapse_key": "task-12", "priority": "high", "notification": {"tag": "task-12"}}
		}`, string(b))
	})

	t.Run("ReusesTheAccessToken", func(t *testing.T) {
		t.Parallel()
		own := startFCM(t)
		own.on("tok-a", answer{status: http.StatusOK, body: `{}`})
		own.on("tok-b", answer{status: http.StatusOK, body: `{}`})
		sender := newSender(t, own, own.key, "")

		results := sender.Send(context.Background(), []push.Message{pushTo(1, "tok-a"), pushTo(2, "tok-b")})
		require.Equal(t, []push.Result{{}, {}}, results)
		results = sender.Send(context.Background(), []push.Message{pushTo(1, "tok-a")})
		require.Equal(t, []push.Result{{}}, results)
		require.Equal(t, 1, own.tokensIssued(), "access tokens fetched for three sends")
	})

	t.Run("RefusedAccessTokenIsFetchedAgain", func(t *testing.T) {
		t.Parallel()
		own := startFCM(t)
		own.on("tok-r", answer{status: http.StatusOK, body: `{}`})
		sender := newSender(t, own, own.key, "")
		require.NoError(t, sender.Send(context.Background(), []push.Message{pushTo(1, "tok-r")})[0].Err)

		own.revokeAll()
		refused := sender.Send(context.Background(), []push.Message{pushTo(1, "tok-r"), pushTo(2, "tok-r")})
		for _, res := range refused {
			require.ErrorContains(t, res.Err, "refused the access token (401 UNAUTHENTICATED)")
			require.False(t, res.Dead || res.Permanent, "a refused access token is the server's, and a new one may pass: %v", res.Err)
		}

		require.NoError(t, sender.Send(context.Background(), []push.Message{pushTo(1, "tok-r")})[0].Err, "send after the refusal")
		require.Equal(t, 2, own.tokensIssued(), "access tokens fetched: the first, and one after the refusal")
	})

	t.Run("MapsFCMAnswers", func(t *testing.T) {
		t.Parallel()
		cases := []struct {
			name            string
			answer          answer
			dead, permanent bool
			retryAfter      time.Duration
			says            string
		}{
			{"Unregistered", answer{status: 404, body: unregistered}, true, false, 0, "no longer registered (404 NOT_FOUND, UNREGISTERED)"},
			{"InvalidToken", answer{status: 400}, true, false, 0, "not a valid registration token (400 INVALID_ARGUMENT)"},
			{"TokenFieldViolation", answer{status: 400, body: tokenFieldViolation}, true, false, 0, "not a valid registration token"},
			{"BadPayloadField", answer{status: 400, body: badDataField}, false, true, 0, "refused the message (400 INVALID_ARGUMENT): Invalid value at 'message.data[0].value'"},
			{"PayloadTooBig", answer{status: 400, body: tooBigForToken}, false, true, 0, "refused the message (400 INVALID_ARGUMENT)"},
			{"SenderIDMismatch", answer{status: 403, body: senderIDMismatch}, true, false, 0, "another sender (403 PERMISSION_DENIED, SENDER_ID_MISMATCH)"},
			{"ThirdPartyAuth", answer{status: 401, body: thirdPartyAuth}, false, true, 0, "credentials (401 UNAUTHENTICATED, THIRD_PARTY_AUTH_ERROR)"},
			{"ProjectNotFound", answer{status: 404, body: projectNotFound}, false, true, 0, "refused the message (404 NOT_FOUND)"},
			{"UnknownClientError", answer{status: 409, body: `not json`}, false, true, 0, "refused the message (409)"},
			{"QuotaExceeded", answer{status: 429, body: quotaExceeded, header: http.Header{"Retry-After": {"60"}}}, false, false, time.Minute, "quota (429 RESOURCE_EXHAUSTED, QUOTA_EXCEEDED)"},
			{"Internal", answer{status: 500, body: internal}, false, false, 0, "FCM failed (500 INTERNAL)"},
			{"Unavailable", answer{status: 503, body: unavailable, header: http.Header{"Retry-After": {"17"}}}, false, false, 17 * time.Second, "FCM failed (503 UNAVAILABLE)"},
			{"BadGateway", answer{status: 502, body: `<html>`}, false, false, 0, "FCM failed (502)"},
		}
		var msgs []push.Message
		for i, tc := range cases {
			token := "tok-" + tc.name + "-secret"
			if tc.name == "InvalidToken" {
				tc.answer.body = invalidToken(token)
			}
			srv.on(token, tc.answer)
			msgs = append(msgs, pushTo(int64(100+i), token))
		}
		results := newSender(t, srv, srv.key, "").Send(context.Background(), msgs)
		require.Len(t, results, len(cases))
		for i, tc := range cases {
			res := results[i]
			require.Error(t, res.Err, tc.name)
			require.Equal(t, tc.dead, res.Dead, "%s: Dead (%v)", tc.name, res.Err)
			require.Equal(t, tc.permanent, res.Permanent, "%s: Permanent (%v)", tc.name, res.Err)
			require.Equal(t, tc.retryAfter, res.RetryAfter, "%s: RetryAfter", tc.name)
			require.Contains(t, res.Err.Error(), tc.says, tc.name)
			require.Contains(t, res.Err.Error(), "device "+strconv.Itoa(100+i), "%s: the error names the device", tc.name)
			requireNoToken(t, res, msgs[i].Token)
		}
	})

	t.Run("TransientThenDelivered", func(t *testing.T) {
		t.Parallel()
		const token = "tok-flaky-77c1"
		srv.on(token,
			answer{status: http.StatusServiceUnavailable, body: unavailable, header: http.Header{"Retry-After": {"9"}}},
			answer{status: http.StatusOK, body: `{"name":"projects/homekeep-test/messages/2"}`})
		sender := newSender(t, srv, srv.key, "")

		first := sender.Send(context.Background(), []push.Message{pushTo(5, token)})[0]
		require.Error(t, first.Err, "first send answered 503")
		require.False(t, first.Dead || first.Permanent, "a 503 is worth retrying: %+v", first)
		require.Equal(t, 9*time.Second, first.RetryAfter)

		second := sender.Send(context.Background(), []push.Message{pushTo(5, token)})[0]
		require.NoError(t, second.Err, "second send of the same message")
		require.Len(t, srv.messages(token), 2)
	})

	t.Run("ProjectIDOverridesTheCredentials", func(t *testing.T) {
		t.Parallel()
		own := startFCM(t)
		own.on("tok-p", answer{status: http.StatusOK, body: `{}`})

		require.NoError(t, newSender(t, own, own.key, "other-project").Send(context.Background(), []push.Message{pushTo(1, "tok-p")})[0].Err)
		require.NoError(t, newSender(t, own, own.key, "").Send(context.Background(), []push.Message{pushTo(1, "tok-p")})[0].Err)
		own.mu.Lock()
		defer own.mu.Unlock()
		require.Equal(t, []string{"other-project", testProject}, own.projects)
	})

	t.Run("RefusedServiceAccountIsPermanent", func(t *testing.T) {
		t.Parallel()
		own := startFCM(t)
		own.on("tok-x", answer{status: http.StatusOK, body: `{}`})
		otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)

		res := newSender(t, own, otherKey, "").Send(context.Background(), []push.Message{pushTo(6, "tok-x")})[0]
		require.Error(t, res.Err)
		require.True(t, res.Permanent, "a key the token endpoint refuses: %v", res.Err)
		require.False(t, res.Dead, "the device is not to blame")
		require.Contains(t, res.Err.Error(), `400 "invalid_grant"`)
		require.Empty(t, own.messages("tok-x"), "a message was sent without a token")
	})

	t.Run("NetworkErrorIsTransient", func(t *testing.T) {
		t.Parallel()
		own := startFCM(t)
		closed := startFCM(t)
		closed.Close()
		s, err := New(Options{CredentialsJSON: own.credentials(t, own.key), BaseURL: closed.URL, HTTPClient: own.Client()})
		require.NoError(t, err)

		res := s.Send(context.Background(), []push.Message{pushTo(7, "tok-net-secret")})[0]
		require.Error(t, res.Err)
		require.False(t, res.Dead || res.Permanent, "a refused connection is worth retrying: %v", res.Err)
		requireNoToken(t, res, "tok-net-secret")
	})

	t.Run("RefusesOtherPlatforms", func(t *testing.T) {
		t.Parallel()
		sender := newSender(t, srv, srv.key, "")
		require.True(t, sender.Handles(push.PlatformAndroid))
		require.False(t, sender.Handles(push.PlatformIOS))
		msg := pushTo(8, "tok-ios")
		msg.Platform = push.PlatformIOS
		res := sender.Send(context.Background(), []push.Message{msg})[0]
		require.True(t, res.Permanent, "%v", res.Err)
		require.Empty(t, srv.messages("tok-ios"))
	})
}
