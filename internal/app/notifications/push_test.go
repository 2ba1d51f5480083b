package notifications_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/pushtest"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/testwait"
)

// pushWait bounds a wait for the workers to push a notification.
const pushWait = 15 * time.Second

// registered is a device registered through the API, with the provider's server that reaches it.
type registered struct {
	pushtest.Device
	server *pushtest.Server
	id     int64
	locale string
}

// register registers d for acct through POST /notifications/devices.
func register(t *testing.T, inst *apptest.Instance, acct apptest.Account, server *pushtest.Server,
	d pushtest.Device, locale string) registered {
	t.Helper()
	row := apptest.Expect[client.NotificationDevice](t, inst, apptest.Request{Method: http.MethodPost,
		Path: "/notifications/devices", Token: acct.Token, Body: d.Registration(locale)}, http.StatusCreated)
	require.True(t, row.IsActive, "a device just registered is active")
	return registered{Device: d, server: server, id: row.ID, locale: locale}
}

// testPush calls POST /notifications/test and returns each device's outcome by device id.
func testPush(t *testing.T, inst *apptest.Instance, acct apptest.Account) map[int64]client.NotificationTestResultDevicesItem {
	t.Helper()
	res := apptest.Expect[client.NotificationTestResult](t, inst, apptest.Request{Method: http.MethodPost,
		Path: "/notifications/test", Token: acct.Token}, http.StatusOK)
	out := make(map[int64]client.NotificationTestResultDevicesItem, len(res.Devices))
	for _, d := range res.Devices {
		out[d.DeviceID] = d
	}
	require.Len(t, out, len(res.Devices), "one outcome per device: %+v", res.Devices)
	return out
}

// activeDevices returns whether each of acct's devices is active, by id (GET /notifications/devices).
func activeDevices(t *testing.T, inst *apptest.Instance, acct apptest.Account) map[int64]bool {
	t.Helper()
	rows := apptest.Expect[[]client.NotificationDevice](t, inst, apptest.Request{Method: http.MethodGet,
		Path: "/notifications/devices", Token: acct.Token}, http.StatusOK)
	out := make(map[int64]bool, len(rows))
	for _, r := range rows {
		out[r.ID] = r.IsActive
	}
	return out
}

// pushLog waits until notification id's delivery log has n push rows and returns them by device id.
func pushLog(t *testing.T, inst *apptest.Instance, acct apptest.Account, id int64, n int) map[int64]client.NotificationDelivery {
	t.Helper()
	out := map[int64]client.NotificationDelivery{}
	testwait.Until(t, pushWait, func() bool {
		detail := apptest.Expect[client.NotificationDetail](t, inst, apptest.Request{Method: http.MethodGet,
			Path: fmt.Sprintf("/notifications/%d", id), Token: acct.Token}, http.StatusOK)
		clear(out)
		for _, d := range detail.Deliveries {
			if d.Channel == client.NotificationDeliveryChannelPush {
				require.False(t, d.DeviceID.Null, "a push's log names its device: %+v", d)
				out[d.DeviceID.Value] = d
			}
		}
		return len(out) >= n
	}, "%d pushes of notification %d are logged", n, id)
	return out
}

// requireTestPush checks that d's server received n test pushes, the last one in d's language.
func requireTestPush(t *testing.T, d registered, n int) {
	t.Helper()
	got := d.server.Received(d.Device)
	require.Len(t, got, n, "test pushes the %s device's server received", d.Platform)
	title, body := "Homekeep test", "Push notifications reach this device."
	if strings.HasPrefix(d.locale, "de") {
		title, body = "Homekeep-Test", "Push-Benachrichtigungen erreichen dieses Gerät."
	}
	last := got[n-1]
	require.Equal(t, []string{title, body, "/notifications", "0", "test", "test"},
		[]string{last.Title, last.Body, last.Path, last.NotificationID, last.Kind, last.CollapseKey},
		"title, body, path, notification id, kind and collapse key of the %s device's test push", d.Platform)
	require.Nil(t, last.Badge, "a test push leaves the badge as it is")
}

// withLoopbackEndpoints lets web and UnifiedPush devices register endpoints on 127.0.0.1, where pushtest's
// servers listen.
func withLoopbackEndpoints(c *config.Config) {
	c.Push.AllowInsecureLoopback = true
}

// TestPushChannels runs the API and its workers with APNs, FCM, Web Push and UnifiedPush servers of the
// test's own: the test endpoint and a notification reach a device of each platform through its provider,
// and each provider's answers (gone, an outage, a refusal) are reported and acted on.
func TestPushChannels(t *testing.T) {
	t.Parallel()
	apnsServer, fcmServer := pushtest.APNs(t), pushtest.FCM(t)
	webServer, upServer := pushtest.WebPush(t), pushtest.UnifiedPush(t)
	smtp := testsmtp.Start(t)
	inst := apptest.Start(t, apptest.Options{
		Configure: func(c *config.Config) {
			apptest.WithSMTP(smtp)(c)
			withLoopbackEndpoints(c)
		},
		PushChannels: []push.Channel{apnsServer.Channel, fcmServer.Channel, webServer.Channel, upServer.Channel},
	})

	// devices registers one device of each platform for acct; the Android one reads German.
	devices := func(t *testing.T, acct apptest.Account) (ios, android, web, up registered) {
		t.Helper()
		return register(t, inst, acct, apnsServer.Server, apnsServer.NewDevice(t), "en-US"),
			register(t, inst, acct, fcmServer.Server, fcmServer.NewDevice(t), "de-DE"),
			register(t, inst, acct, webServer.Server, webServer.NewDevice(t), "en-GB"),
			register(t, inst, acct, upServer.Server, upServer.NewDevice(t), "")
	}

	t.Run("TheTestReportsEachDeviceAndActsOnItsProvidersAnswer", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		ios, android, web, up := devices(t, acct)
		all := []registered{ios, android, web, up}

		got := testPush(t, inst, acct)
		require.Len(t, got, len(all))
		for _, d := range all {
			require.Equal(t, client.NotificationTestResultDevicesItem{Status: client.DeliveryStatusSent,
				DeviceID: d.id, Platform: client.NotificationPlatform(d.Platform)}, got[d.id])
			requireTestPush(t, d, 1)
		}

		// Android's token is gone at FCM, the Web Push service has an outage and the UnifiedPush server
		// refuses the push.
		fcmServer.Set(android.Device, pushtest.Dead)
		webServer.Set(web.Device, pushtest.Transient)
		upServer.Set(up.Device, pushtest.Permanent)
		got = testPush(t, inst, acct)
		require.Len(t, got, len(all))
		require.Equal(t, client.DeliveryStatusSent, got[ios.id].Status, "%+v", got[ios.id])
		require.Equal(t, client.DeliveryStatusFailed, got[android.id].Status, "%+v", got[android.id])
		require.True(t, strings.HasPrefix(got[android.id].Error, "device deactivated: "), "a dead token: %q",
			got[android.id].Error)
		require.NotContains(t, got[android.id].Error, android.Token, "a push token is the device's credential")
		require.Equal(t, client.DeliveryStatusFailed, got[web.id].Status, "%+v", got[web.id])
		require.NotContains(t, got[web.id].Error, "deactivated", "an outage is retried: %q", got[web.id].Error)
		require.NotContains(t, got[web.id].Error, "not retried", "an outage is retried: %q", got[web.id].Error)
		require.Equal(t, client.DeliveryStatusFailed, got[up.id].Status, "%+v", got[up.id])
		require.True(t, strings.HasPrefix(got[up.id].Error, "not retried: "), "a refusal: %q", got[up.id].Error)
		require.Equal(t, map[int64]bool{ios.id: true, android.id: false, web.id: true, up.id: true},
			activeDevices(t, inst, acct), "only the device FCM reported gone is inactive")
		requireTestPush(t, android, 2)

		upServer.Set(up.Device, pushtest.Accept)
		got = testPush(t, inst, acct)
		require.Len(t, got, len(all)-1, "the inactive device gets no test: %+v", got)
		require.NotContains(t, got, android.id)
		for _, d := range []registered{ios, web, up} {
			require.Equal(t, client.DeliveryStatusSent, got[d.id].Status, "%s: %+v", d.Platform, got[d.id])
			requireTestPush(t, d, 3)
		}
		require.Len(t, fcmServer.Received(android.Device), 2, "nothing more was pushed to the dead device")

		// Registering the token again revives the device.
		fcmServer.Set(android.Device, pushtest.Accept)
		again := register(t, inst, acct, fcmServer.Server, android.Device, "de-DE")
		require.Equal(t, android.id, again.id, "the same token is the same device")
		require.Equal(t, client.DeliveryStatusSent, testPush(t, inst, acct)[android.id].Status)
		requireTestPush(t, android, 3)
	})

	t.Run("AnAssignmentIsPushedToEveryDeviceInItsLanguage", func(t *testing.T) {
		t.Parallel()
		owner, assignee := inst.Register(t), inst.Register(t)
		home := apptest.CreateResidence(t, inst, owner, "Lake House")
		apptest.Join(t, inst, assignee, apptest.ShareCode(t, inst, owner, home, "editor"))
		ios, android, web, up := devices(t, assignee)
		all := []registered{ios, android, web, up}

		task := apptest.CreateTask(t, inst, owner, map[string]any{"residence_id": home, "title": "Service the boiler",
			"assigned_to": assignee.ID})

		testwait.Until(t, pushWait, func() bool {
			for _, d := range all {
				if len(d.server.Received(d.Device)) == 0 {
					return false
				}
			}
			return true
		}, "every device received the assignment's push")
		page := listFeed(t, inst, assignee, nil)
		require.Len(t, page.Items, 1, "the assignee's feed")
		item := page.Items[0]
		require.Equal(t, client.NotificationKindTaskAssigned, item.Kind)
		actor, ok := strings.CutSuffix(item.Body, ` assigned you "Service the boiler"`)
		require.True(t, ok, "the feed's English body: %q", item.Body)
		for _, d := range all {
			got := d.server.Received(d.Device)
			require.Len(t, got, 1, "pushes to the %s device", d.Platform)
			p := got[0]
			title, body := item.Title, item.Body
			if d.locale == "de-DE" {
				title, body = "Neue Aufgabe für dich", actor+" hat dir „Service the boiler“ zugewiesen"
			}
			require.Equal(t, []string{title, body, fmt.Sprintf("/tasks/%d", task), strconv.FormatInt(item.ID, 10),
				"task_assigned", fmt.Sprintf("task-%d", task)},
				[]string{p.Title, p.Body, p.Path, p.NotificationID, p.Kind, p.CollapseKey},
				"title, body, path, notification id, kind and collapse key pushed to the %s device", d.Platform)
			if d.Platform == push.PlatformIOS {
				require.NotNil(t, p.Badge, "the iOS push sets the badge")
				require.Equal(t, 1, *p.Badge, "the badge is the unread count")
			} else {
				require.Nil(t, p.Badge, "only iOS has a badge")
			}
		}
		logged := pushLog(t, inst, assignee, item.ID, len(all))
		for _, d := range all {
			require.Equal(t, client.DeliveryStatusSent, logged[d.id].Status, "the %s push's log: %+v", d.Platform, logged[d.id])
		}
	})

	t.Run("TheJobLogsEachProvidersAnswerAndDeactivatesAGoneDevice", func(t *testing.T) {
		t.Parallel()
		owner, assignee := inst.Register(t), inst.Register(t)
		home := apptest.CreateResidence(t, inst, owner, "Cabin")
		apptest.Join(t, inst, assignee, apptest.ShareCode(t, inst, owner, home, "editor"))
		ios, android, web, up := devices(t, assignee)
		apnsServer.Set(ios.Device, pushtest.Dead)
		webServer.Set(web.Device, pushtest.Transient)

		apptest.CreateTask(t, inst, owner, map[string]any{"residence_id": home, "title": "Bleed the radiators",
			"assigned_to": assignee.ID})

		testwait.Until(t, pushWait, func() bool { return len(listFeed(t, inst, assignee, nil).Items) == 1 },
			"the assignment is in the feed")
		logged := pushLog(t, inst, assignee, listFeed(t, inst, assignee, nil).Items[0].ID, 4)
		require.Equal(t, client.DeliveryStatusFailed, logged[ios.id].Status, "%+v", logged[ios.id])
		require.True(t, strings.HasPrefix(logged[ios.id].Error, "device deactivated: "), "APNs' Unregistered: %q",
			logged[ios.id].Error)
		require.Equal(t, client.DeliveryStatusFailed, logged[web.id].Status, "%+v", logged[web.id])
		require.NotContains(t, logged[web.id].Error, "deactivated", "an outage is retried: %q", logged[web.id].Error)
		require.Equal(t, client.DeliveryStatusSent, logged[android.id].Status, "%+v", logged[android.id])
		require.Equal(t, client.DeliveryStatusSent, logged[up.id].Status, "%+v", logged[up.id])
		require.Equal(t, map[int64]bool{ios.id: false, android.id: true, web.id: true, up.id: true},
			activeDevices(t, inst, assignee), "only the device APNs reported gone is inactive")
	})
}

// TestPushThroughGorush runs the API with Gorush serving both iOS and Android (the Mux sends them to APNs and
// FCM when those are configured): the test endpoint reaches both devices through it, and a token Gorush
// reports gone deactivates its device.
func TestPushThroughGorush(t *testing.T) {
	t.Parallel()
	gorush := pushtest.Gorush(t)
	inst := apptest.Start(t, apptest.Options{PushChannels: []push.Channel{gorush.Channel}})
	acct := inst.Register(t)
	ios := register(t, inst, acct, gorush.Server, gorush.NewDevice(t, push.PlatformIOS), "de-DE")
	android := register(t, inst, acct, gorush.Server, gorush.NewDevice(t, push.PlatformAndroid), "en-US")

	got := testPush(t, inst, acct)
	require.Len(t, got, 2)
	for _, d := range []registered{ios, android} {
		require.Equal(t, client.NotificationTestResultDevicesItem{Status: client.DeliveryStatusSent,
			DeviceID: d.id, Platform: client.NotificationPlatform(d.Platform)}, got[d.id])
		requireTestPush(t, d, 1)
	}

	gorush.Set(ios.Device, pushtest.Dead)
	gorush.Set(android.Device, pushtest.Transient)
	got = testPush(t, inst, acct)
	require.Equal(t, client.DeliveryStatusFailed, got[ios.id].Status, "%+v", got[ios.id])
	require.True(t, strings.HasPrefix(got[ios.id].Error, "device deactivated: "), "APNs' Unregistered through Gorush: %q",
		got[ios.id].Error)
	require.Equal(t, client.DeliveryStatusFailed, got[android.id].Status, "%+v", got[android.id])
	require.NotContains(t, got[android.id].Error, "deactivated", "an outage is retried: %q", got[android.id].Error)
	require.NotContains(t, got[android.id].Error, "not retried", "an outage is retried: %q", got[android.id].Error)
	require.Equal(t, map[int64]bool{ios.id: false, android.id: true}, activeDevices(t, inst, acct))

	got = testPush(t, inst, acct)
	require.Equal(t, map[int64]client.NotificationTestResultDevicesItem{android.id: {Status: client.DeliveryStatusSent,
		DeviceID: android.id, Platform: client.NotificationPlatformAndroid}}, got, "the next test delivers")
	requireTestPush(t, android, 3)
	require.Len(t, gorush.Received(ios.Device), 2, "nothing more was pushed to the dead device")
}
