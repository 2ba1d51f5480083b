package push

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Channel is one configured push channel: a Sender for the platforms it handles, and its name for logs and
// the delivery log ("apns", "fcm", "gorush", "webpush", "unifiedpush").
type Channel struct {
	Name   string
	Sender Sender
}

// ErrChannelDown is the Result of a message whose channel's circuit breaker is open: the provider failed
// every push for a while, so the message is not sent now but retried later, and the queue's workers do not
// wait on a provider that is down.
var ErrChannelDown = errors.New("push channel down")

// Breaker settings: a channel whose sends failed (every message a transient failure) breakerTrips times in a
// row opens for breakerOpen, then lets one send through to probe it.
const (
	breakerTrips = 5
	breakerOpen  = time.Minute
)

// Mux is the Sender the delivery uses: it routes each message to the first channel, in the order given,
// that handles its platform, and keeps a circuit breaker per channel, so an outage of one provider does not
// hold the pushes of the others or the queue.
type Mux struct {
	channels []muxChannel
	log      *slog.Logger
}

type muxChannel struct {
	Channel
	breaker *gobreaker.TwoStepCircuitBreaker[struct{}]
}

// NewMux returns the Mux of channels, nil when there are none (push off).
func NewMux(log *slog.Logger, channels ...Channel) *Mux {
	if len(channels) == 0 {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	m := &Mux{log: log}
	for _, c := range channels {
		m.channels = append(m.channels, muxChannel{Channel: c, breaker: gobreaker.NewTwoStepCircuitBreaker[struct{}](
			gobreaker.Settings{
				Name:        c.Name,
				Timeout:     breakerOpen,
				ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= breakerTrips },
				OnStateChange: func(name string, from, to gobreaker.State) {
					log.Warn("push channel circuit breaker", "channel", name, "from", from.String(), "to", to.String())
				},
			})})
	}
	return m
}

// Names lists the channels in routing order.
func (m *Mux) Names() []string {
	names := make([]string, len(m.channels))
	for i, c := range m.channels {
		names[i] = c.Name
	}
	return names
}

// Handles implements Sender: whether any channel handles the platform.
func (m *Mux) Handles(platform string) bool {
	return m.route(platform) >= 0
}

// route is the index of the channel for platform, or -1.
func (m *Mux) route(platform string) int {
	for i, c := range m.channels {
		if c.Sender.Handles(platform) {
			return i
		}
	}
	return -1
}

// Send implements Sender: each channel's messages go to it in one Send, unless its breaker is open.
func (m *Mux) Send(ctx context.Context, msgs []Message) []Result {
	out := make([]Result, len(msgs))
	byChannel := make(map[int][]int, len(m.channels))
	for i, msg := range msgs {
		c := m.route(msg.Platform)
		if c < 0 {
			out[i] = Result{Err: fmt.Errorf("no push channel handles %s devices", msg.Platform), Permanent: true}
			continue
		}
		byChannel[c] = append(byChannel[c], i)
	}
	for c, idx := range byChannel {
		ch := m.channels[c]
		done, err := ch.breaker.Allow()
		if err != nil {
			for _, i := range idx {
				out[i] = Result{Err: fmt.Errorf("%w: %s", ErrChannelDown, ch.Name), RetryAfter: breakerOpen}
			}
			continue
		}
		batch := make([]Message, len(idx))
		for j, i := range idx {
			batch[j] = msgs[i]
		}
		results := ch.Sender.Send(ctx, batch)
		allTransient := len(results) > 0
		for j, i := range idx {
			if j < len(results) {
				out[i] = results[j]
			} else {
				out[i] = Result{Err: fmt.Errorf("push channel %s returned no result", ch.Name)}
			}
			if out[i].Err == nil || out[i].Dead || out[i].Permanent {
				allTransient = false
			}
		}
		if allTransient {
			done(errors.New("every push failed"))
		} else {
			done(nil)
		}
	}
	return out
}
