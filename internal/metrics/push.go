package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/homekeep/homekeep/internal/push"
)

// pushSeries are the push channels' series: messages by channel and outcome, and how long each channel's
// sends took.
type pushSeries struct {
	sent     *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newPushSeries() pushSeries {
	return pushSeries{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "push", Name: "messages_total",
			Help: "Push messages handed to a channel, by channel and outcome (sent, dead: the device is gone, " +
				"permanent: refused for good, retry: failed for now).",
		}, []string{"channel", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "push", Name: "send_duration_seconds",
			Help:    "Time one send to a channel took (one batch of messages), by channel.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"channel"}),
	}
}

// CountSends returns channels with each Sender wrapped to count its messages' outcomes; a nil Metrics
// returns channels as they are. Messages the Mux holds back while a channel's breaker is open never reach
// the channel and are not counted here.
func (m *Metrics) CountSends(channels []push.Channel) []push.Channel {
	if m == nil || len(channels) == 0 {
		return channels
	}
	out := make([]push.Channel, len(channels))
	for i, c := range channels {
		out[i] = push.Channel{Name: c.Name, Sender: countingSender{Sender: c.Sender, channel: c.Name, series: m.push}}
	}
	return out
}

type countingSender struct {
	push.Sender

	channel string
	series  pushSeries
}

// Send implements push.Sender.
func (s countingSender) Send(ctx context.Context, msgs []push.Message) []push.Result {
	start := time.Now()
	results := s.Sender.Send(ctx, msgs)
	s.series.duration.WithLabelValues(s.channel).Observe(time.Since(start).Seconds())
	for _, r := range results {
		s.series.sent.WithLabelValues(s.channel, pushOutcome(r)).Inc()
	}
	return results
}

// pushOutcome names what became of one message.
func pushOutcome(r push.Result) string {
	switch {
	case r.Err == nil:
		return "sent"
	case r.Dead:
		return "dead"
	case r.Permanent:
		return "permanent"
	}
	return "retry"
}
