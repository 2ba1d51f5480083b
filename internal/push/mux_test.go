package push_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/push"
)

// channel is a Sender for the Mux's tests: it handles its platforms and answers every message with result.
type channel struct {
	platforms []string
	result    func() push.Result
	calls     atomic.Int32
	got       []int64
}

func (c *channel) Handles(p string) bool {
	for _, x := range c.platforms {
		if x == p {
			return true
		}
	}
	return false
}

func (c *channel) Send(_ context.Context, msgs []push.Message) []push.Result {
	c.calls.Add(1)
	out := make([]push.Result, len(msgs))
	for i, m := range msgs {
		c.got = append(c.got, m.DeviceID)
		out[i] = c.result()
	}
	return out
}

func ok() push.Result { return push.Result{} }

func TestMux(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)

	t.Run("NoChannelIsNoSender", func(t *testing.T) {
		t.Parallel()
		require.Nil(t, push.NewMux(log))
	})

	t.Run("EachMessageGoesToTheFirstChannelOfItsPlatform", func(t *testing.T) {
		t.Parallel()
		apns := &channel{platforms: []string{push.PlatformIOS}, result: ok}
		gorush := &channel{platforms: []string{push.PlatformIOS, push.PlatformAndroid}, result: ok}
		m := push.NewMux(log, push.Channel{Name: "apns", Sender: apns}, push.Channel{Name: "gorush", Sender: gorush})
		require.True(t, m.Handles(push.PlatformAndroid))
		require.False(t, m.Handles(push.PlatformWeb))
		res := m.Send(t.Context(), []push.Message{{DeviceID: 1, Platform: push.PlatformIOS},
			{DeviceID: 2, Platform: push.PlatformAndroid}, {DeviceID: 3, Platform: push.PlatformWeb}, {DeviceID: 4, Platform: push.PlatformIOS}})
		require.Equal(t, []int64{1, 4}, apns.got)
		require.Equal(t, []int64{2}, gorush.got)
		require.NoError(t, res[0].Err)
		require.NoError(t, res[1].Err)
		require.Error(t, res[2].Err)
		require.True(t, res[2].Permanent, "a platform no channel handles")
		require.NoError(t, res[3].Err)
	})

	t.Run("AChannelThatKeepsFailingIsSkippedWhileTheOthersSend", func(t *testing.T) {
		t.Parallel()
		down := &channel{platforms: []string{push.PlatformIOS}, result: func() push.Result {
			return push.Result{Err: errors.New("503")}
		}}
		up := &channel{platforms: []string{push.PlatformWeb}, result: ok}
		m := push.NewMux(log, push.Channel{Name: "apns", Sender: down}, push.Channel{Name: "webpush", Sender: up})
		msgs := []push.Message{{DeviceID: 1, Platform: push.PlatformIOS}, {DeviceID: 2, Platform: push.PlatformWeb}}
		for range 5 {
			res := m.Send(t.Context(), msgs)
			require.NotErrorIs(t, res[0].Err, push.ErrChannelDown)
			require.NoError(t, res[1].Err)
		}
		res := m.Send(t.Context(), msgs)
		require.ErrorIs(t, res[0].Err, push.ErrChannelDown, "open after five failed sends")
		require.Positive(t, res[0].RetryAfter)
		require.False(t, res[0].Dead || res[0].Permanent, "retried later")
		require.NoError(t, res[1].Err, "the other channel still sends")
		require.EqualValues(t, 5, down.calls.Load(), "the open channel is not called")
		require.EqualValues(t, 6, up.calls.Load())
	})

	t.Run("DeadDevicesDoNotOpenTheBreaker", func(t *testing.T) {
		t.Parallel()
		dead := &channel{platforms: []string{push.PlatformIOS}, result: func() push.Result {
			return push.Result{Err: errors.New("410 Unregistered"), Dead: true}
		}}
		m := push.NewMux(log, push.Channel{Name: "apns", Sender: dead})
		for range 10 {
			res := m.Send(t.Context(), []push.Message{{DeviceID: 1, Platform: push.PlatformIOS}})
			require.True(t, res[0].Dead)
		}
		require.EqualValues(t, 10, dead.calls.Load(), "the provider answered: it is up")
	})
}
