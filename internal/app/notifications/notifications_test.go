package notifications_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

// TestNotifications runs every notification test on one instance (each group's subtests in parallel), so
// the package's tests stay within PostgreSQL's connection limit.
func TestNotifications(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})
	for _, group := range []struct {
		name string
		run  func(t *testing.T, inst *apptest.Instance)
	}{
		{"Preferences", testPreferences},
		{"PreferencesRefuseBadValues", testPreferencesRefuseBadValues},
		{"Devices", testDevices},
		{"DeviceRegistrationRefusesBadInput", testDeviceRegistrationRefusesBadInput},
		{"FeedPagination", testFeedPagination},
		{"FeedRefusesBadPaging", testFeedRefusesBadPaging},
		{"ReadAndUnread", testReadAndUnread},
		{"AnotherUsersNotification", testAnotherUsersNotification},
		{"OneStatementPerOperation", testOneStatementPerOperation},
		{"Events", testEvents},
		{"EventsCostNoStatement", testEventsCostNoStatement},
	} {
		t.Run(group.name, func(t *testing.T) {
			t.Parallel()
			group.run(t, inst)
		})
	}
}

func getPreferences(t *testing.T, inst *apptest.Instance, acct apptest.Account) client.NotificationPreferences {
	t.Helper()
	return apptest.Expect[client.NotificationPreferences](t, inst, apptest.Request{Method: http.MethodGet,
		Path: "/notifications/preferences", Token: acct.Token}, http.StatusOK)
}

func patchPreferences(t *testing.T, inst *apptest.Instance, acct apptest.Account, body map[string]any) client.NotificationPreferences {
	t.Helper()
	return apptest.Expect[client.NotificationPreferences](t, inst, apptest.Request{Method: http.MethodPatch,
		Path: "/notifications/preferences", Token: acct.Token, Body: body}, http.StatusOK)
}

// allOn is every kind's push and email switch on, the default.
var allOn = client.NotificationChannels{Push: true, Email: true}

func testPreferences(t *testing.T, inst *apptest.Instance) {
	t.Run("DefaultsForAUserWhoNeverChangedThem", func(t *testing.T) {
		t.Parallel()
		got := getPreferences(t, inst, inst.Register(t))
		require.Equal(t, client.NotificationPreferences{TaskDueSoon: allOn, TaskOverdue: allOn, TaskCompleted: allOn,
			TaskAssigned: allOn, MemberJoined: allOn, WarrantyExpiring: allOn, ReminderHour: 9, Timezone: "UTC"}, got)
	})
	t.Run("TheTimezoneIsTheAccounts", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: acct.Token,
			Body: map[string]any{"timezone": "Europe/Oslo"}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		require.Equal(t, "Europe/Oslo", getPreferences(t, inst, acct).Timezone)
	})
	t.Run("AnAccountWithoutATimezoneTakesItsFirstResidences", func(t *testing.T) {
		t.Parallel()
		owner, joiner, chooser := inst.Register(t), inst.Register(t), inst.Register(t)
		createIn := func(acct apptest.Account, tz string) int64 {
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: acct.Token,
				Body: map[string]any{"name": "Home", "timezone": tz}})
			require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
			var res client.Residence
			r.JSON(t, &res)
			return res.ID
		}
		me := func(acct apptest.Account) string {
			return apptest.Expect[client.User](t, inst, apptest.Request{Method: http.MethodGet, Path: "/auth/me",
				Token: acct.Token}, http.StatusOK).Timezone
		}
		require.Equal(t, "UTC", me(owner), "cached before the residence exists")
		home := createIn(owner, "America/Chicago")
		require.Equal(t, "America/Chicago", getPreferences(t, inst, owner).Timezone, "created")
		require.Equal(t, "America/Chicago", me(owner), "the cached profile was evicted")
		createIn(owner, "Asia/Tokyo")
		require.Equal(t, "America/Chicago", me(owner), "the first residence's, not a later one's")

		apptest.Join(t, inst, joiner, apptest.ShareCode(t, inst, owner, home, "viewer"))
		require.Equal(t, "America/Chicago", getPreferences(t, inst, joiner).Timezone, "joined")

		r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: chooser.Token,
			Body: map[string]any{"timezone": "UTC"}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		createIn(chooser, "Europe/Paris")
		require.Equal(t, "UTC", getPreferences(t, inst, chooser).Timezone, "a chosen timezone stays")
	})
	t.Run("AnUpdateChangesOnlyWhatItSends", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		first := patchPreferences(t, inst, acct, map[string]any{"task_completed": map[string]any{"email": false}, "reminder_hour": 7})
		want := client.NotificationPreferences{TaskDueSoon: allOn, TaskOverdue: allOn,
			TaskCompleted: client.NotificationChannels{Push: true, Email: false}, TaskAssigned: allOn, MemberJoined: allOn,
			WarrantyExpiring: allOn, ReminderHour: 7, Timezone: "UTC"}
		require.Equal(t, want, first, "the answer of the first change")
		require.Equal(t, want, getPreferences(t, inst, acct), "read back after the first change")

		second := patchPreferences(t, inst, acct, map[string]any{"warranty_expiring": map[string]any{"push": false},
			"task_completed": map[string]any{"push": false}})
		want.WarrantyExpiring = client.NotificationChannels{Push: false, Email: true}
		want.TaskCompleted = client.NotificationChannels{Push: false, Email: false}
		require.Equal(t, want, second, "a second change keeps the first's")
		require.Equal(t, want, getPreferences(t, inst, acct), "read back after the second change")

		require.Equal(t, want, patchPreferences(t, inst, acct, map[string]any{}), "an empty change changes nothing")
	})
	t.Run("OneUsersChangeLeavesAnothersAlone", func(t *testing.T) {
		t.Parallel()
		changer, other := inst.Register(t), inst.Register(t)
		patchPreferences(t, inst, changer, map[string]any{"task_due_soon": map[string]any{"push": false, "email": false}, "reminder_hour": 0})
		got := getPreferences(t, inst, other)
		require.Equal(t, allOn, got.TaskDueSoon)
		require.Equal(t, int32(9), got.ReminderHour)
	})
}

func testPreferencesRefuseBadValues(t *testing.T, inst *apptest.Instance) {
	acct := inst.Register(t)
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"HourAbove23", map[string]any{"reminder_hour": 24}, "reminder_hour"},
		{"NegativeHour", map[string]any{"reminder_hour": -1}, "reminder_hour"},
		{"HourAsText", map[string]any{"reminder_hour": "9"}, "reminder_hour"},
		{"SwitchAsText", map[string]any{"task_overdue": map[string]any{"push": "yes"}}, "task_overdue.push"},
		{"KindNotAnObject", map[string]any{"member_joined": true}, "member_joined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/notifications/preferences", Token: acct.Token,
				Body: tc.body, Invalid: true})
			apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", tc.field)
		})
	}
	require.Equal(t, int32(9), getPreferences(t, inst, acct).ReminderHour, "a refused change changes nothing")
}

func registerDevice(t *testing.T, inst *apptest.Instance, acct apptest.Account, body map[string]any) client.NotificationDevice {
	t.Helper()
	return apptest.Expect[client.NotificationDevice](t, inst, apptest.Request{Method: http.MethodPost,
		Path: "/notifications/devices", Token: acct.Token, Body: body}, http.StatusCreated)
}

func listDevices(t *testing.T, inst *apptest.Instance, acct apptest.Account) []client.NotificationDevice {
	t.Helper()
	return apptest.Expect[[]client.NotificationDevice](t, inst, apptest.Request{Method: http.MethodGet,
		Path: "/notifications/devices", Token: acct.Token}, http.StatusOK)
}

func deviceIDs(list []client.NotificationDevice) []int64 {
	ids := []int64{}
	for _, d := range list {
		ids = append(ids, d.ID)
	}
	return ids
}

// uniqueToken is a push token no other test registers.
func uniqueToken(prefix string) string { return prefix + "-" + apptest.UniqueEmail() }

func testDevices(t *testing.T, inst *apptest.Instance) {
	t.Run("EachPlatformRegistersAndIsListed", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		keys := map[string]any{"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}
		var want []int64
		for _, body := range []map[string]any{
			{"platform": "ios", "token": uniqueToken("apns"), "app_version": "2.4.1", "locale": "en-US"},
			{"platform": "android", "token": uniqueToken("fcm")},
			{"platform": "web", "endpoint": "https://push.example.net/" + uniqueToken("web"), "keys": keys},
			{"platform": "unifiedpush", "endpoint": "https://ntfy.example.net/" + uniqueToken("up")},
		} {
			d := registerDevice(t, inst, acct, body)
			require.Equal(t, body["platform"], string(d.Platform))
			require.True(t, d.IsActive)
			want = append(want, d.ID)
		}
		slices.Reverse(want)
		list := listDevices(t, inst, acct)
		require.Equal(t, want, deviceIDs(list), "newest registration first")
		require.Equal(t, "2.4.1", list[len(list)-1].AppVersion)
		require.Equal(t, "en-US", list[len(list)-1].Locale)
	})
	t.Run("AKnownTokenMovesToTheUserWhoRegistersIt", func(t *testing.T) {
		t.Parallel()
		first, second := inst.Register(t), inst.Register(t)
		token := uniqueToken("fcm")
		d1 := registerDevice(t, inst, first, map[string]any{"platform": "android", "token": token, "app_version": "1.0"})
		d2 := registerDevice(t, inst, second, map[string]any{"platform": "android", "token": token, "app_version": "1.1"})
		require.Equal(t, d1.ID, d2.ID, "the same device, moved")
		require.Equal(t, "1.1", d2.AppVersion)
		require.Empty(t, listDevices(t, inst, first), "the previous user no longer has it")
		require.Equal(t, []int64{d1.ID}, deviceIDs(listDevices(t, inst, second)))

		again := registerDevice(t, inst, second, map[string]any{"platform": "android", "token": token})
		require.Equal(t, d1.ID, again.ID, "registering it again keeps one device")
		require.Len(t, listDevices(t, inst, second), 1)
	})
	t.Run("TheSameTokenOnAnotherPlatformIsAnotherDevice", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		token := uniqueToken("shared")
		a := registerDevice(t, inst, acct, map[string]any{"platform": "android", "token": token})
		b := registerDevice(t, inst, acct, map[string]any{"platform": "ios", "token": token})
		require.NotEqual(t, a.ID, b.ID)
	})
	t.Run("DeleteRemovesOnlyTheCallersDevice", func(t *testing.T) {
		t.Parallel()
		owner, stranger := inst.Register(t), inst.Register(t)
		keep := registerDevice(t, inst, owner, map[string]any{"platform": "ios", "token": uniqueToken("apns")})
		gone := registerDevice(t, inst, owner, map[string]any{"platform": "ios", "token": uniqueToken("apns")})
		path := fmt.Sprintf("/notifications/devices/%d", gone.ID)

		r := inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: path, Token: stranger.Token})
		apptest.RequireAPIError(t, r, http.StatusNotFound, "not_found", "")
		require.Len(t, listDevices(t, inst, owner), 2, "another user's delete removes nothing")

		r = inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: path, Token: owner.Token})
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		require.Equal(t, []int64{keep.ID}, deviceIDs(listDevices(t, inst, owner)))

		r = inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: path, Token: owner.Token})
		apptest.RequireAPIError(t, r, http.StatusNotFound, "not_found", "")
	})
}

func testDeviceRegistrationRefusesBadInput(t *testing.T, inst *apptest.Instance) {
	acct := inst.Register(t)
	keys := map[string]any{"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM", "auth": "tBHItJI5svbpez7KI4CCXg"}
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"UnknownPlatform", map[string]any{"platform": "blackberry", "token": "x"}, "platform"},
		{"IOSWithoutToken", map[string]any{"platform": "ios"}, "token"},
		{"AndroidWithEndpoint", map[string]any{"platform": "android", "token": "x", "endpoint": "https://push.example.net/x"}, "endpoint"},
		{"AndroidWithKeys", map[string]any{"platform": "android", "token": "x", "keys": keys}, "keys"},
		{"WebWithoutEndpoint", map[string]any{"platform": "web", "keys": keys}, "endpoint"},
		{"WebWithToken", map[string]any{"platform": "web", "token": "x", "endpoint": "https://push.example.net/x", "keys": keys}, "token"},
		{"WebWithoutKeys", map[string]any{"platform": "web", "endpoint": "https://push.example.net/x"}, "keys"},
		{"WebOverPlainHTTP", map[string]any{"platform": "web", "endpoint": "http://push.example.net/x", "keys": keys}, "endpoint"},
		{"UnifiedPushWithARelativeEndpoint", map[string]any{"platform": "unifiedpush", "endpoint": "/push/x"}, "endpoint"},
		{"UnifiedPushOverPlainHTTP", map[string]any{"platform": "unifiedpush", "endpoint": "http://ntfy.example.net/x"}, "endpoint"},
		{"UnifiedPushOnLoopback", map[string]any{"platform": "unifiedpush", "endpoint": "https://127.0.0.1:8080/up"}, "endpoint"},
		{"UnifiedPushOnAPrivateNetwork", map[string]any{"platform": "unifiedpush", "endpoint": "https://10.1.2.3/up"}, "endpoint"},
		{"WebOnTheCloudMetadataAddress", map[string]any{"platform": "web", "endpoint": "https://169.254.169.254/latest", "keys": keys}, "endpoint"},
		{"UnifiedPushOnAMappedLoopback", map[string]any{"platform": "unifiedpush", "endpoint": "https://[::ffff:127.0.0.1]/up"}, "endpoint"},
		{"WebKeysThatAreNoSubscriptions", map[string]any{"platform": "web", "endpoint": "https://push.example.net/x",
			"keys": map[string]any{"p256dh": "BNcRdreALRFXTkOOUHK1", "auth": "tBHItJI5svbpez7KI4CCXg"}}, "keys"},
		{"TokenWithSpaces", map[string]any{"platform": "ios", "token": "a b"}, "token"},
		{"LocaleOnTwoLines", map[string]any{"platform": "ios", "token": "x", "locale": "en\nUS"}, "locale"},
		{"WebKeysWithoutAuth", map[string]any{"platform": "web", "endpoint": "https://push.example.net/x",
			"keys": map[string]any{"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"}}, "keys.auth"},
		{"UnifiedPushKeysWithoutP256dh", map[string]any{"platform": "unifiedpush", "endpoint": "https://push.example.net/x",
			"keys": map[string]any{"auth": "tBHItJI5svbpez7KI4CCXg"}}, "keys.p256dh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/notifications/devices", Token: acct.Token,
				Body: tc.body, Invalid: true})
			apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", tc.field)
		})
	}
	require.Empty(t, listDevices(t, inst, acct), "a refused registration registers nothing")
}

// insertNotifications puts n rows in acct's feed directly (the events that write them are not built yet),
// all created at the same moment when at is set, and returns their ids in insertion order.
func insertNotifications(t *testing.T, inst *apptest.Instance, acct apptest.Account, n int, at *time.Time) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		created := time.Now()
		if at != nil {
			created = *at
		}
		apptest.DBQueryRow(t, inst, `INSERT INTO notifications (user_id, kind, title, body, created_at)
			VALUES ($1, 'task_due_soon', $2, 'Due in 3 days', $3) RETURNING id`,
			[]any{acct.ID, "Task " + strconv.Itoa(i), created}, &ids[i])
	}
	return ids
}

func listFeed(t *testing.T, inst *apptest.Instance, acct apptest.Account, query url.Values) client.NotificationPage {
	t.Helper()
	path := "/notifications"
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return apptest.Expect[client.NotificationPage](t, inst, apptest.Request{Method: http.MethodGet, Path: path, Token: acct.Token}, http.StatusOK)
}

func feedIDs(p client.NotificationPage) []int64 {
	ids := []int64{}
	for _, n := range p.Items {
		ids = append(ids, n.ID)
	}
	return ids
}

func testFeedPagination(t *testing.T, inst *apptest.Instance) {
	t.Run("PagesWalkTheFeedNewestFirstWithoutRepeatsOrGaps", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		// Twelve rows share one created_at (the id breaks the tie), then thirteen later ones.
		tied := time.Now().Add(-time.Hour).Truncate(time.Second)
		older := insertNotifications(t, inst, acct, 12, &tied)
		newer := insertNotifications(t, inst, acct, 13, nil)
		want := slices.Concat(older, newer)
		slices.Reverse(want)

		var got []int64
		query := url.Values{"limit": {"10"}}
		var sizes []int
		for page := 0; ; page++ {
			require.Less(t, page, 5, "the pages never end")
			p := listFeed(t, inst, acct, query)
			got = append(got, feedIDs(p)...)
			sizes = append(sizes, len(p.Items))
			if page == 0 {
				// A notification that arrives between pages goes to the top, not onto a later page.
				insertNotifications(t, inst, acct, 1, nil)
			}
			c, ok := p.NextCursor.Get()
			if !ok {
				break
			}
			query.Set("cursor", c)
		}
		require.Equal(t, []int{10, 10, 5}, sizes)
		require.Equal(t, want, got)
	})
	t.Run("TheDefaultPageHolds20", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		insertNotifications(t, inst, acct, 21, nil)
		p := listFeed(t, inst, acct, nil)
		require.Len(t, p.Items, 20)
		require.False(t, p.NextCursor.IsNull(), "a next page follows")
	})
	t.Run("AFullLastPageHasNoNextCursor", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		insertNotifications(t, inst, acct, 3, nil)
		p := listFeed(t, inst, acct, url.Values{"limit": {"3"}})
		require.Len(t, p.Items, 3)
		require.True(t, p.NextCursor.IsNull(), "no empty page after the last")
	})
	t.Run("AnEmptyFeed", func(t *testing.T) {
		t.Parallel()
		p := listFeed(t, inst, inst.Register(t), nil)
		require.Empty(t, p.Items)
		require.True(t, p.NextCursor.IsNull())
	})
}

func testFeedRefusesBadPaging(t *testing.T, inst *apptest.Instance) {
	acct := inst.Register(t)
	for _, tc := range []struct {
		name  string
		query string
		field string
	}{
		{"LimitZero", "limit=0", "limit"},
		{"LimitAbove100", "limit=101", "limit"},
		{"CursorNotBase64", "cursor=%21%21", "cursor"},
		{"CursorNotAPosition", "cursor=bm9wZQ", "cursor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/notifications?" + tc.query, Token: acct.Token, Invalid: true})
			apptest.RequireAPIError(t, r, http.StatusBadRequest, "validation_failed", tc.field)
		})
	}
}

func unreadCount(t *testing.T, inst *apptest.Instance, acct apptest.Account) int64 {
	t.Helper()
	return apptest.Expect[client.UnreadNotificationCount](t, inst, apptest.Request{Method: http.MethodGet,
		Path: "/notifications/unread-count", Token: acct.Token}, http.StatusOK).UnreadCount
}

func markRead(t *testing.T, inst *apptest.Instance, acct apptest.Account, id int64, read bool) client.Notification {
	t.Helper()
	return apptest.Expect[client.Notification](t, inst, apptest.Request{Method: http.MethodPatch,
		Path: fmt.Sprintf("/notifications/%d", id), Token: acct.Token, Body: map[string]any{"read": read}}, http.StatusOK)
}

func getNotification(t *testing.T, inst *apptest.Instance, acct apptest.Account, id int64) client.Notification {
	t.Helper()
	return apptest.Expect[client.Notification](t, inst, apptest.Request{Method: http.MethodGet,
		Path: fmt.Sprintf("/notifications/%d", id), Token: acct.Token}, http.StatusOK)
}

func testReadAndUnread(t *testing.T, inst *apptest.Instance) {
	t.Run("ReadingOneCountsDownAndKeepsTheFirstReadTime", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		ids := insertNotifications(t, inst, acct, 3, nil)
		require.Equal(t, int64(3), unreadCount(t, inst, acct))
		require.True(t, getNotification(t, inst, acct, ids[0]).ReadAt.IsNull(), "unread at first")

		first := markRead(t, inst, acct, ids[0], true)
		readAt, ok := first.ReadAt.Get()
		require.True(t, ok, "read_at is set")
		require.Equal(t, int64(2), unreadCount(t, inst, acct))

		again := markRead(t, inst, acct, ids[0], true)
		require.Equal(t, first.ReadAt, again.ReadAt, "read again keeps the first read time")
		got, _ := getNotification(t, inst, acct, ids[0]).ReadAt.Get()
		require.True(t, readAt.Equal(got))
		require.Equal(t, int64(2), unreadCount(t, inst, acct))

		unread := markRead(t, inst, acct, ids[0], false)
		require.True(t, unread.ReadAt.IsNull(), "unread again")
		require.Equal(t, int64(3), unreadCount(t, inst, acct))
	})
	t.Run("ReadAllReadsEveryOneAndKeepsEarlierReadTimes", func(t *testing.T) {
		t.Parallel()
		acct, other := inst.Register(t), inst.Register(t)
		ids := insertNotifications(t, inst, acct, 4, nil)
		insertNotifications(t, inst, other, 2, nil)
		early := markRead(t, inst, acct, ids[1], true)

		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/notifications/read-all", Token: acct.Token})
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		require.Zero(t, unreadCount(t, inst, acct))
		for _, n := range listFeed(t, inst, acct, nil).Items {
			require.False(t, n.ReadAt.IsNull(), "notification %d is read", n.ID)
		}
		require.Equal(t, early.ReadAt, getNotification(t, inst, acct, ids[1]).ReadAt, "one read earlier keeps its time")
		require.Equal(t, int64(2), unreadCount(t, inst, other), "another user's stay unread")

		r = inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/notifications/read-all", Token: acct.Token})
		require.Equal(t, http.StatusNoContent, r.Status, "with nothing unread: %s", r.Body)
	})
	t.Run("ANewUserHasNoneUnread", func(t *testing.T) {
		t.Parallel()
		require.Zero(t, unreadCount(t, inst, inst.Register(t)))
	})
}

func testAnotherUsersNotification(t *testing.T, inst *apptest.Instance) {
	owner, stranger := inst.Register(t), inst.Register(t)
	id := insertNotifications(t, inst, owner, 1, nil)[0]
	path := fmt.Sprintf("/notifications/%d", id)
	for _, tc := range []struct {
		name string
		req  apptest.Request
	}{
		{"Get", apptest.Request{Method: http.MethodGet, Path: path, Token: stranger.Token}},
		{"MarkRead", apptest.Request{Method: http.MethodPatch, Path: path, Token: stranger.Token, Body: map[string]any{"read": true}}},
		{"GetAnUnknownOne", apptest.Request{Method: http.MethodGet, Path: "/notifications/9223372036854775807", Token: owner.Token}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apptest.RequireAPIError(t, inst.Do(t, tc.req), http.StatusNotFound, "not_found", "")
		})
	}
	require.Empty(t, listFeed(t, inst, stranger, nil).Items, "not in the stranger's feed")
	require.Zero(t, unreadCount(t, inst, stranger))
	require.True(t, getNotification(t, inst, owner, id).ReadAt.IsNull(), "the stranger's request left it unread")
}

func testOneStatementPerOperation(t *testing.T, _ *apptest.Instance) {
	inst := apptest.Start(t, apptest.Options{}) // its own instance: the statement counter is per process
	acct := inst.Register(t)
	ids := insertNotifications(t, inst, acct, 3, nil)
	device := registerDevice(t, inst, acct, map[string]any{"platform": "ios", "token": uniqueToken("apns")})
	cursor, ok := listFeed(t, inst, acct, url.Values{"limit": {"1"}}).NextCursor.Get() // also warms the auth cache
	require.True(t, ok, "a second page")
	for _, tc := range []struct {
		name string
		req  apptest.Request
		want int
	}{
		{"GetPreferences", apptest.Request{Method: http.MethodGet, Path: "/notifications/preferences"}, http.StatusOK},
		{"FirstPreferencesChange", apptest.Request{Method: http.MethodPatch, Path: "/notifications/preferences",
			Body: map[string]any{"reminder_hour": 6}}, http.StatusOK},
		{"LaterPreferencesChange", apptest.Request{Method: http.MethodPatch, Path: "/notifications/preferences",
			Body: map[string]any{"task_overdue": map[string]any{"email": false}}}, http.StatusOK},
		{"RegisterDevice", apptest.Request{Method: http.MethodPost, Path: "/notifications/devices",
			Body: map[string]any{"platform": "android", "token": uniqueToken("fcm")}}, http.StatusCreated},
		{"ListDevices", apptest.Request{Method: http.MethodGet, Path: "/notifications/devices"}, http.StatusOK},
		{"DeleteDevice", apptest.Request{Method: http.MethodDelete, Path: fmt.Sprintf("/notifications/devices/%d", device.ID)}, http.StatusNoContent},
		{"FirstFeedPage", apptest.Request{Method: http.MethodGet, Path: "/notifications"}, http.StatusOK},
		{"LaterFeedPage", apptest.Request{Method: http.MethodGet, Path: "/notifications?cursor=" + cursor}, http.StatusOK},
		{"UnreadCount", apptest.Request{Method: http.MethodGet, Path: "/notifications/unread-count"}, http.StatusOK},
		{"GetNotification", apptest.Request{Method: http.MethodGet, Path: fmt.Sprintf("/notifications/%d", ids[0])}, http.StatusOK},
		{"MarkRead", apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/notifications/%d", ids[0]),
			Body: map[string]any{"read": true}}, http.StatusOK},
		{"ReadAll", apptest.Request{Method: http.MethodPost, Path: "/notifications/read-all"}, http.StatusNoContent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Token = acct.Token
			before := inst.Stmts.Snapshot()
			r := inst.Do(t, tc.req)
			require.Equal(t, tc.want, r.Status, string(r.Body))
			require.Equal(t, int64(1), inst.Stmts.Statements(before), "statements: %q", inst.Stmts.Since(before))
		})
	}
}
