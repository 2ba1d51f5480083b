package pushtest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/push"
	"github.com/homekeep/homekeep/internal/push/pushtest"
)

// provider is one server under test, as the table below starts it.
type provider struct {
	server    *pushtest.Server
	channel   push.Channel
	newDevice func() pushtest.Device
	// badge says whether pushes carry the iOS badge.
	badge bool
}

// message is a push of a task's reminder to d.
func message(d pushtest.Device, id int64) push.Message {
	return push.Message{ID: "n31-a1", DeviceID: id, Platform: d.Platform, Token: d.PushToken(), P256dh: d.P256dh,
		Auth: d.Auth, Title: "Overdue: Clean the gutters", Body: `"Clean the gutters" was due on 2026-11-28`,
		Path: "/tasks/12", NotificationID: 31, Kind: "task_overdue", CollapseKey: "task-12", Badge: 3,
		Data: map[string]string{"kind": "task_overdue", "path": "/tasks/12", "notification_id": "31"}}
}

// TestServers runs each provider's server with its real channel: an accepted device receives the push,
// decoded (Web Push decrypted), and the dead, transient and permanent answers reach the channel's Result as
// the provider means them.
func TestServers(t *testing.T) {
	t.Parallel()

	providers := map[string]func(t *testing.T) provider{
		"APNs": func(t *testing.T) provider {
			s := pushtest.APNs(t)
			return provider{s.Server, s.Channel, func() pushtest.Device { return s.NewDevice(t) }, true}
		},
		"FCM": func(t *testing.T) provider {
			s := pushtest.FCM(t)
			return provider{s.Server, s.Channel, func() pushtest.Device { return s.NewDevice(t) }, false}
		},
		"GorushIOS": func(t *testing.T) provider {
			s := pushtest.Gorush(t)
			return provider{s.Server, s.Channel, func() pushtest.Device { return s.NewDevice(t, push.PlatformIOS) }, true}
		},
		"GorushAndroid": func(t *testing.T) provider {
			s := pushtest.Gorush(t)
			return provider{s.Server, s.Channel, func() pushtest.Device { return s.NewDevice(t, push.PlatformAndroid) }, false}
		},
		"WebPush": func(t *testing.T) provider {
			s := pushtest.WebPush(t)
			return provider{s.Server, s.Channel, func() pushtest.Device { return s.NewDevice(t) }, false}
		},
		"UnifiedPush": func(t *testing.T) provider {
			s := pushtest.UnifiedPush(t)
			return provider{s.Server, s.Channel, func() pushtest.Device { return s.NewDevice(t) }, false}
		},
	}
	for name, start := range providers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			t.Run("DeliversAndDecodes", func(t *testing.T) {
				t.Parallel()
				p := start(t)
				d := p.newDevice()
				msg := message(d, 1)

				require.Equal(t, []push.Result{{}}, p.channel.Sender.Send(t.Context(), []push.Message{msg}))
				got := p.server.Received(d)
				require.Len(t, got, 1, "pushes the server received")
				g := got[0]
				require.Equal(t, pushtest.Accept, g.Answer)
				require.Equal(t, msg.Title, g.Title)
				require.Equal(t, msg.Body, g.Body)
				require.Equal(t, "/tasks/12", g.Path)
				require.Equal(t, "31", g.NotificationID)
				require.Equal(t, "task_overdue", g.Kind)
				require.Equal(t, "task-12", g.CollapseKey)
				require.Equal(t, "/tasks/12", g.Data["path"])
				if p.badge {
					require.NotNil(t, g.Badge, "the iOS badge")
					require.Equal(t, 3, *g.Badge)
				} else {
					require.Nil(t, g.Badge, "no badge outside iOS")
				}
				require.Equal(t, 1, p.server.Count())
			})

			t.Run("MapsEachAnswer", func(t *testing.T) {
				t.Parallel()
				p := start(t)
				send := func(d pushtest.Device) push.Result {
					results := p.channel.Sender.Send(t.Context(), []push.Message{message(d, 7)})
					require.Len(t, results, 1)
					return results[0]
				}

				dead := p.newDevice()
				p.server.Set(dead, pushtest.Dead)
				r := send(dead)
				require.True(t, r.Dead, "a device the provider reports gone: %+v", r)
				require.Error(t, r.Err)

				permanent := p.newDevice()
				p.server.Set(permanent, pushtest.Permanent)
				r = send(permanent)
				require.True(t, r.Permanent && !r.Dead, "a permanent refusal: %+v", r)
				require.Error(t, r.Err)

				transient := p.newDevice()
				p.server.Set(transient, pushtest.Transient)
				r = send(transient)
				require.Error(t, r.Err, "the first push fails")
				require.False(t, r.Dead || r.Permanent, "an outage is worth another attempt: %+v", r)
				require.Equal(t, push.Result{}, send(transient), "the second push is delivered")
				got := p.server.Received(transient)
				require.Len(t, got, 2)
				require.Equal(t, []pushtest.Answer{pushtest.Transient, pushtest.Accept}, []pushtest.Answer{got[0].Answer, got[1].Answer})
			})
		})
	}
}

// TestRegistration says what a device sends to register.
func TestRegistration(t *testing.T) {
	t.Parallel()
	web := pushtest.Device{Platform: "web", Endpoint: "https://127.0.0.1:1/wpush/x", P256dh: "pk", Auth: "a"}
	require.Equal(t, map[string]any{"platform": "web", "endpoint": "https://127.0.0.1:1/wpush/x",
		"keys": map[string]any{"p256dh": "pk", "auth": "a"}, "locale": "de-DE"}, web.Registration("de-DE"))
	ios := pushtest.Device{Platform: "ios", Token: "abc"}
	require.Equal(t, map[string]any{"platform": "ios", "token": "abc"}, ios.Registration(""))
}
