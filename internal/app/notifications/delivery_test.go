package notifications_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/testwait"
)

// verified registers an account and verifies its address through the emailed code.
func verified(t *testing.T, inst *apptest.Instance, smtp *testsmtp.Server) apptest.Account {
	t.Helper()
	acct := inst.Register(t)
	code := smtp.Next(t, acct.Email).Code(t)
	r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/verify-email", Token: acct.Token,
		Body: map[string]any{"code": code}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	return acct
}

// TestDelivery runs the workers beside the API, with a real SMTP server: an event's notification is emailed
// once, its delivery log is served, the email's unsubscribe link works without signing in, and the test
// endpoint says what became of each channel.
func TestDelivery(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	inst := apptest.Start(t, apptest.Options{Configure: apptest.WithSMTP(smtp)})

	t.Run("AnAssignmentIsEmailedOnceAndLogged", func(t *testing.T) {
		t.Parallel()
		owner, assignee := inst.Register(t), verified(t, inst, smtp)
		home := apptest.CreateResidence(t, inst, owner, "Lake House")
		apptest.Join(t, inst, assignee, apptest.ShareCode(t, inst, owner, home, "editor"))
		apptest.CreateTask(t, inst, owner, map[string]any{"residence_id": home, "title": "Service the boiler",
			"assigned_to": assignee.ID})
		msg := smtp.Next(t, assignee.Email)
		require.Contains(t, msg.Text, "Service the boiler")
		require.NotEmpty(t, msg.HTML)

		page := listFeed(t, inst, assignee, nil)
		require.Len(t, page.Items, 1)
		id := page.Items[0].ID
		var detail client.NotificationDetail
		testwait.Until(t, 10*time.Second, func() bool {
			detail = apptest.Expect[client.NotificationDetail](t, inst, apptest.Request{Method: http.MethodGet,
				Path: fmt.Sprintf("/notifications/%d", id), Token: assignee.Token}, http.StatusOK)
			return len(detail.Deliveries) > 0
		}, "the email's delivery is logged")
		require.Len(t, detail.Deliveries, 1)
		d := detail.Deliveries[0]
		require.Equal(t, client.NotificationDeliveryChannelEmail, d.Channel)
		require.Equal(t, client.DeliveryStatusSent, d.Status)
		require.EqualValues(t, 1, d.Attempt)
		require.True(t, d.DeviceID.Null, "an email has no device")
		time.Sleep(500 * time.Millisecond)
		require.Zero(t, smtp.Count(assignee.Email), "sent once")

		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/notifications/%d", id), Token: owner.Token})
		require.Equal(t, http.StatusNotFound, r.Status, "another user's delivery log")
	})

	t.Run("TheUnsubscribeLinkSwitchesThatKindOffWithoutSigningIn", func(t *testing.T) {
		t.Parallel()
		owner, member := verified(t, inst, smtp), inst.Register(t)
		home := apptest.CreateResidence(t, inst, owner, "Cabin")
		apptest.Join(t, inst, member, apptest.ShareCode(t, inst, owner, home, "viewer"))
		msg := smtp.Next(t, owner.Email)
		require.Contains(t, msg.Text, "joined Cabin")
		link, err := url.Parse(strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>"))
		require.NoError(t, err)
		require.Equal(t, "/api/notifications/unsubscribe", link.Path)
		path := "/notifications/unsubscribe?" + link.RawQuery

		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: path})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		require.Contains(t, r.Header.Get("Content-Type"), "text/html")
		require.Contains(t, string(r.Body), `method="post"`)
		require.True(t, getPreferences(t, inst, owner).MemberJoined.Email, "opening the link changes nothing")

		r = inst.Do(t, apptest.Request{Method: http.MethodPost, Path: path, Body: "List-Unsubscribe=One-Click",
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		require.Contains(t, string(r.Body), "switched off")
		got := getPreferences(t, inst, owner)
		require.Equal(t, client.NotificationChannels{Push: true, Email: false}, got.MemberJoined)
		require.Equal(t, allOn, got.TaskAssigned, "other kinds are unchanged")
		r = inst.Do(t, apptest.Request{Method: http.MethodPost, Path: path})
		require.Equal(t, http.StatusOK, r.Status, "twice is harmless: %s", r.Body)
	})

	t.Run("ABadUnsubscribeLinkIsRefusedNamingTheToken", func(t *testing.T) {
		t.Parallel()
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			r := inst.Do(t, apptest.Request{Method: method, Path: "/notifications/unsubscribe?token=v1.1.task_overdue.4102444800.AAAAAAAAAAAAAAAAAAAAAA"})
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			require.Contains(t, string(r.Body), `"token"`)
		}
	})

	t.Run("TheTestSaysWhatBecameOfEachChannel", func(t *testing.T) {
		t.Parallel()
		acct := verified(t, inst, smtp)
		unverified := inst.Register(t)
		smtp.Next(t, unverified.Email) // its verification code
		dev := apptest.Expect[client.NotificationDevice](t, inst, apptest.Request{Method: http.MethodPost,
			Path: "/notifications/devices", Token: acct.Token, Body: map[string]any{"platform": "android", "token": "fcm-token-1"}},
			http.StatusCreated)
		res := apptest.Expect[client.NotificationTestResult](t, inst, apptest.Request{Method: http.MethodPost,
			Path: "/notifications/test", Token: acct.Token}, http.StatusOK)
		require.Equal(t, client.TestDelivery{Status: client.DeliveryStatusSent, Error: ""}, res.Email)
		require.Equal(t, []client.NotificationTestResultDevicesItem{{Status: client.DeliveryStatusSkipped,
			Error: "this server has no push channel for android devices", DeviceID: dev.ID,
			Platform: client.NotificationPlatformAndroid}}, res.Devices)
		require.Equal(t, "Homekeep test email", smtp.Next(t, acct.Email).Subject)

		res = apptest.Expect[client.NotificationTestResult](t, inst, apptest.Request{Method: http.MethodPost,
			Path: "/notifications/test", Token: unverified.Token}, http.StatusOK)
		require.Equal(t, client.TestDelivery{Status: client.DeliveryStatusSkipped, Error: "the email address is not verified"}, res.Email)
		require.Empty(t, res.Devices)
		require.Zero(t, smtp.Count(unverified.Email))
	})
}
