package webpush

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/endpoint"
)

const testSubject = "mailto:ops@homekeep.example"

func TestSender(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	type testBundle struct {
		service *testPushService
		sender  *Sender
	}

	setup := func(t *testing.T) *testBundle {
		t.Helper()
		keys, err := GenerateKeys()
		require.NoError(t, err)
		service := newTestPushService(t, keys, testSubject)
		sender, err := New(Options{Keys: keys, Subject: testSubject, HTTPClient: service.server.Client()})
		require.NoError(t, err)
		return &testBundle{service: service, sender: sender}
	}

	message := func(b *testBundle) push.Message {
		return push.Message{
			ID:             "n31-d7-a1",
			DeviceID:       7,
			Platform:       push.PlatformWeb,
			Token:          b.service.endpoint,
			P256dh:         b.service.p256dh,
			Auth:           b.service.auth,
			Title:          "Task overdue",
			Body:           "Clean the gutters <front & back> was due yesterday",
			Path:           "/tasks/12",
			NotificationID: 31,
			Kind:           "task_overdue",
			CollapseKey:    "task-12",
			Badge:          3,
			Data:           map[string]string{"task_id": "12", "residence_id": "4"},
		}
	}

	t.Run("DeliversEncryptedPayloadWithVAPID", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		msg := message(b)

		results := b.sender.Send(ctx, []push.Message{msg})

		require.Equal(t, []push.Result{{}}, results)
		reqs := b.service.requests()
		require.Len(t, reqs, 1)
		got := reqs[0]
		require.Empty(t, got.Problem, "the push service refused the request")
		require.Equal(t, payload{
			Title:          msg.Title,
			Body:           msg.Body,
			Path:           "/tasks/12",
			NotificationID: "31",
			Kind:           "task_overdue",
			Data:           map[string]string{"task_id": "12", "residence_id": "4"},
		}, got.Payload)
		require.Equal(t, "86400", got.Header.Get("TTL"), "TTL header: the default of one day")
		require.Equal(t, "high", got.Header.Get("Urgency"), "Urgency header of a task_overdue push")
		require.Equal(t, "task-12", got.Header.Get("Topic"), "Topic header: a collapse key that fits is sent as it is")
		require.Equal(t, 4096, got.BodyLen, "encrypted body: one record padded to 4096 bytes")
		require.Equal(t, testSubject, got.Claims["sub"], "JWT sub")
		require.NotContains(t, string(got.RawPlain), `\u003c`, "payload escapes HTML characters, spending bytes")
	})

	t.Run("SendsEachMessageWithItsOwnHeaders", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		assigned := message(b)
		assigned.Kind = "task_assigned"
		assigned.CollapseKey = "residence:4/task:12 (assigned to a member)"
		soon := message(b)
		soon.Kind = "task_due_soon"
		soon.CollapseKey = ""
		soon.NotificationID = 0

		results := b.sender.Send(ctx, []push.Message{assigned, soon})

		require.Equal(t, []push.Result{{}, {}}, results)
		reqs := b.service.requests()
		require.Len(t, reqs, 2)
		byKind := map[string]testReceived{}
		for _, r := range reqs {
			require.Empty(t, r.Problem, "the push service refused a request")
			byKind[r.Payload.Kind] = r
		}
		require.Equal(t, "normal", byKind["task_assigned"].Header.Get("Urgency"))
		require.Equal(t, topic(assigned.CollapseKey), byKind["task_assigned"].Header.Get("Topic"))
		require.Len(t, byKind["task_assigned"].Header.Get("Topic"), 32, "a long collapse key is hashed to 32 characters")
		require.Equal(t, "high", byKind["task_due_soon"].Header.Get("Urgency"))
		require.Empty(t, byKind["task_due_soon"].Header.Values("Topic"), "no collapse key, no Topic")
		require.Equal(t, "0", byKind["task_due_soon"].Payload.NotificationID)
	})

	t.Run("CutsALongBodyToFitOneRecord", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		msg := message(b)
		msg.Body = strings.Repeat("Zähler ablesen \"Keller\". ", 400)

		results := b.sender.Send(ctx, []push.Message{msg})

		require.Equal(t, []push.Result{{}}, results)
		reqs := b.service.requests()
		require.Len(t, reqs, 1)
		require.Empty(t, reqs[0].Problem, "the push service refused the request")
		require.Equal(t, 4096, reqs[0].BodyLen, "encrypted body length")
		require.LessOrEqual(t, len(reqs[0].RawPlain), maxPayloadLen)
		require.Greater(t, len(reqs[0].RawPlain), maxPayloadLen-8, "the body was cut by more than needed")
		require.True(t, strings.HasSuffix(reqs[0].Payload.Body, "…"), "a cut body ends with an ellipsis: %q", reqs[0].Payload.Body[len(reqs[0].Payload.Body)-20:])
		require.True(t, strings.HasPrefix(msg.Body, strings.TrimSuffix(reqs[0].Payload.Body, "…")), "the cut body is the start of the body")
	})

	t.Run("AnswersMapToResults", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct {
			name   string
			answer testAnswer
			want   push.Result // Err is only checked for being set
		}{
			{name: "GoneIsDead", answer: testAnswer{status: http.StatusGone}, want: push.Result{Dead: true}},
			{name: "NotFoundIsDead", answer: testAnswer{status: http.StatusNotFound}, want: push.Result{Dead: true}},
			{name: "BadRequestIsPermanent", answer: testAnswer{status: http.StatusBadRequest}, want: push.Result{Permanent: true}},
			{name: "UnauthorizedIsPermanent", answer: testAnswer{status: http.StatusUnauthorized}, want: push.Result{Permanent: true}},
			{name: "ForbiddenIsPermanent", answer: testAnswer{status: http.StatusForbidden}, want: push.Result{Permanent: true}},
			{name: "TooLargeIsPermanent", answer: testAnswer{status: http.StatusRequestEntityTooLarge}, want: push.Result{Permanent: true}},
			{name: "RedirectIsPermanent", answer: testAnswer{status: http.StatusTemporaryRedirect}, want: push.Result{Permanent: true}},
			{name: "TooManyRequestsIsRetriedAfter", answer: testAnswer{status: http.StatusTooManyRequests, retryAfter: "120"}, want: push.Result{RetryAfter: 2 * time.Minute}},
			{name: "ServiceUnavailableIsRetried", answer: testAnswer{status: http.StatusServiceUnavailable}, want: push.Result{}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				b.service.answer(tt.answer)

				results := b.sender.Send(ctx, []push.Message{message(b)})

				require.Len(t, results, 1)
				got := results[0]
				require.Error(t, got.Err, "answer %d", tt.answer.status)
				require.Contains(t, got.Err.Error(), "device 7", "the error names the device")
				require.NotContains(t, got.Err.Error(), "subscriptiontoken", "the error quotes the endpoint, the device's credential")
				got.Err = nil
				require.Equal(t, tt.want, got, "result of answer %d", tt.answer.status)
				require.Len(t, b.service.requests(), 1, "requests made: a channel never retries by itself")
				require.Empty(t, b.service.requests()[0].Problem, "the push service found the request itself wrong")
			})
		}
	})

	t.Run("ServerErrorIsRetriedAndASecondSendDelivers", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.service.answer(testAnswer{status: http.StatusInternalServerError, retryAfter: "7"})
		msg := message(b)

		first := b.sender.Send(ctx, []push.Message{msg})

		require.Len(t, first, 1)
		require.Error(t, first[0].Err)
		require.Contains(t, first[0].Err.Error(), "500")
		require.False(t, first[0].Dead, "a 500 is not a dead subscription")
		require.False(t, first[0].Permanent, "a 500 is worth retrying")
		require.Equal(t, 7*time.Second, first[0].RetryAfter, "Retry-After")

		second := b.sender.Send(ctx, []push.Message{msg})

		require.Equal(t, []push.Result{{}}, second)
		reqs := b.service.requests()
		require.Len(t, reqs, 2)
		require.Empty(t, reqs[1].Problem, "the push service refused the retry")
		require.Equal(t, "31", reqs[1].Payload.NotificationID)
	})

	t.Run("ReturnsResultsInMessageOrder", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		statuses := []int{201, 410, 500, 202, 400, 201, 404, 429, 201, 503, 413, 201, 200, 410, 201, 500, 201, 403, 201, 201}
		msgs := make([]push.Message, len(statuses))
		for i, status := range statuses {
			msgs[i] = message(b)
			msgs[i].DeviceID = int64(100 + i)
			msgs[i].Token = fmt.Sprintf("%s/status/%d/subscriptiontoken%d", b.service.server.URL, status, i)
		}

		results := b.sender.Send(ctx, msgs)

		require.Len(t, results, len(msgs))
		for i, status := range statuses {
			r := results[i]
			if status < 300 {
				require.NoError(t, r.Err, "message %d (answered %d)", i, status)
				continue
			}
			require.ErrorContains(t, r.Err, fmt.Sprintf("device %d: push service answered %d", 100+i, status), "message %d", i)
			require.Equal(t, status == 404 || status == 410, r.Dead, "message %d (answered %d): Dead", i, status)
		}
		require.Len(t, b.service.requests(), len(msgs))
	})

	t.Run("SlowServiceTimesOutAndIsRetried", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		msg := message(b)
		msg.Token = b.service.server.URL + "/hang"
		timeoutCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()

		start := time.Now()
		results := b.sender.Send(timeoutCtx, []push.Message{msg})

		require.Less(t, time.Since(start), 5*time.Second, "Send outlived its context's deadline")
		require.Len(t, results, 1)
		require.ErrorIs(t, results[0].Err, context.DeadlineExceeded)
		require.False(t, results[0].Dead || results[0].Permanent, "a timeout is retried: %+v", results[0])
	})

	t.Run("UnreachableServiceIsRetriedWithoutNamingTheEndpoint", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		msg := message(b)
		b.service.server.Close()

		results := b.sender.Send(ctx, []push.Message{msg})

		require.Len(t, results, 1)
		require.Error(t, results[0].Err)
		require.False(t, results[0].Dead || results[0].Permanent, "a network failure is retried: %+v", results[0])
		require.NotContains(t, results[0].Err.Error(), "subscriptiontoken", "the error quotes the endpoint")
	})

	t.Run("GuardedClientRefusalIsPermanent", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		// Without a client of its own the sender uses the guard's with the production policy, which refuses
		// loopback addresses, where the test push service listens.
		sender, err := New(Options{Keys: b.service.vapid, Subject: testSubject})
		require.NoError(t, err)

		results := sender.Send(ctx, []push.Message{message(b)})

		require.Len(t, results, 1)
		require.ErrorIs(t, results[0].Err, endpoint.ErrNotAllowed)
		require.True(t, results[0].Permanent, "an endpoint the guard refuses is refused again on retry: %+v", results[0])
		require.False(t, results[0].Dead, "the push service never said the subscription is gone")
		require.NotContains(t, results[0].Err.Error(), "subscriptiontoken", "the error quotes the endpoint")
		require.Empty(t, b.service.requests(), "the guard let a request through")
	})

	t.Run("RefusesWhatItCannotSendWithoutARequest", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		android := message(b)
		android.Platform = push.PlatformAndroid
		plainHTTP := message(b)
		plainHTTP.Token = strings.Replace(plainHTTP.Token, "https://", "http://", 1)
		badKey := message(b)
		badKey.P256dh = "not-a-key"
		shortAuth := message(b)
		shortAuth.Auth = "c2hvcnQ"
		hugeTitle := message(b)
		hugeTitle.Title = strings.Repeat("t", 5000)

		results := b.sender.Send(ctx, []push.Message{android, plainHTTP, badKey, shortAuth, hugeTitle})

		require.Len(t, results, 5)
		for i, r := range results {
			require.Error(t, r.Err, "message %d", i)
			require.True(t, r.Permanent, "message %d: %v", i, r.Err)
			require.False(t, r.Dead, "message %d: %v", i, r.Err)
			require.NotContains(t, r.Err.Error(), "subscriptiontoken", "message %d", i)
		}
		require.Empty(t, b.service.requests(), "requests made for messages that cannot be sent")
	})

	t.Run("HandlesOnlyTheWeb", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		require.True(t, b.sender.Handles(push.PlatformWeb))
		for _, p := range []string{push.PlatformIOS, push.PlatformAndroid, push.PlatformUnifiedPush, ""} {
			require.False(t, b.sender.Handles(p), "Handles(%q)", p)
		}
	})
}
