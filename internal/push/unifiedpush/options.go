package unifiedpush

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/homekeep/homekeep/internal/push/endpoint"
)

// Defaults for the Options a server leaves zero.
const (
	// TTLDefault is how long a push server that follows Web Push keeps a push for a device that is offline:
	// a reminder a day late is still worth showing, one older is not.
	TTLDefault = 24 * time.Hour
	// TimeoutDefault bounds one POST to an endpoint when the caller's context has no earlier deadline.
	TimeoutDefault = 15 * time.Second
	// ConcurrencyDefault is how many pushes one Send has in flight at once.
	ConcurrencyDefault = 8
)

// Options configure the UnifiedPush channel. Every field has a default, so the zero Options is a working
// production channel.
type Options struct {
	// Policy is the endpoint guard's policy, applied when an endpoint is checked before each send and when
	// the connection is made. Its AllowLoopbackHTTP comes from PUSH_ALLOW_INSECURE_LOOPBACK (default false),
	// for a developer's push server on the same machine and for tests; production keeps it off.
	Policy endpoint.Policy
	// TTL is sent as the TTL header (whole seconds; env UNIFIEDPUSH_TTL): how long a push server that
	// queues pushes keeps one for a device that is offline. The UnifiedPush spec does not require it, but
	// most UnifiedPush servers follow Web Push (RFC 8030), which does. Zero means TTLDefault.
	TTL time.Duration
	// Timeout bounds one POST, connection included (env UNIFIEDPUSH_TIMEOUT). Zero means TimeoutDefault.
	Timeout time.Duration
	// Logger gets one debug line per push (device id, message id, status); never an endpoint URL, which
	// is a credential of the device, nor the payload. Nil discards.
	Logger *slog.Logger
}

// withDefaults returns a copy of o with the zero fields filled in.
func (o Options) withDefaults() Options {
	if o.TTL == 0 {
		o.TTL = TTLDefault
	}
	if o.Timeout == 0 {
		o.Timeout = TimeoutDefault
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// validate checks o after withDefaults, naming the field and its environment variable.
func (o Options) validate() error {
	if o.TTL < time.Second {
		return fmt.Errorf("unifiedpush: TTL (UNIFIEDPUSH_TTL) is %s, want at least 1s", o.TTL)
	}
	if o.Timeout < 0 {
		return fmt.Errorf("unifiedpush: Timeout (UNIFIEDPUSH_TIMEOUT) is %s, want a positive duration", o.Timeout)
	}
	return nil
}
