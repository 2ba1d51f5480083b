package valkeyconn

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valkey-io/valkey-go"
	"go.opentelemetry.io/otel/trace"
)

// ErrUnavailable is returned while no connection to Valkey has been established, and during the cooldown
// after a connection failure. Its Unavailable method tells internal/apierror to answer 503 without that
// package importing this one.
var ErrUnavailable error = unavailableError{}

type unavailableError struct{}

func (unavailableError) Error() string { return "valkey is not connected" }

// Unavailable marks the error as a dependency that is down, which the client should retry.
func (unavailableError) Unavailable() bool { return true }

// ReconnectInterval is how often Conn retries a Valkey that was unreachable at start.
const ReconnectInterval = 2 * time.Second

// Conn holds a valkey-go client that may not exist yet. valkey-go reconnects by itself once it has connected
// once, so Conn only has to retry the first connection.
type Conn struct {
	opt    valkey.ClientOption
	log    *slog.Logger
	client atomic.Pointer[valkey.Client]
	stop   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once

	roundTrips, backgroundTrips atomic.Int64
	// cacheHits and cacheMisses count the reads through the client-side cache (DoCache, DoMultiCache) that
	// were and were not answered from process memory.
	cacheHits, cacheMisses atomic.Int64
	// downUntil (unix nanoseconds) is when calls may try Valkey again after a connection failure.
	downUntil atomic.Int64
	// downSince (unix nanoseconds) is when the current run of connection failures was first seen; 0 once a
	// call has been answered since (see stale.go).
	downSince atomic.Int64
	// callTimeout bounds each call (CallTimeout unless WithCallTimeout says otherwise).
	callTimeout time.Duration
	// tracer traces the calls (WithTracerProvider); nil traces nothing.
	tracer trace.Tracer
}

// Option adjusts a connection made by Connect.
type Option func(*Conn)

// WithCallTimeout bounds each call by d instead of CallTimeout: for a Valkey further away than the next rack,
// and for tests on a machine so busy that a healthy Valkey answers late. Zero or less keeps the default.
func WithCallTimeout(d time.Duration) Option {
	return func(c *Conn) {
		if d > 0 {
			c.callTimeout = d
		}
	}
}

// Connect parses url and tries to connect once; if that fails it returns a Conn that keeps retrying in the
// background every ReconnectInterval. Only a malformed URL is an error.
func Connect(ctx context.Context, url string, logger *slog.Logger, opts ...Option) (*Conn, error) {
	opt, err := valkey.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("error parsing VALKEY_URL: %w", err)
	}
	// Client-side caching (RESP3 tracking) stays on: warm reads are then served from process memory. The
	// ping gap and connection timeout bound how long those copies outlive a Valkey that stopped answering
	// (StaleBound).
	opt.ConnWriteTimeout = connTimeout
	opt.Dialer.KeepAlive = pingGap
	c := &Conn{opt: opt, log: logger, stop: make(chan struct{}), callTimeout: CallTimeout}
	for _, o := range opts {
		o(c)
	}
	if err := c.dial(); err != nil {
		logger.WarnContext(ctx, "valkey unreachable; serving from PostgreSQL and retrying in the background",
			"error", err, "retry_every", ReconnectInterval)
		c.wg.Add(1)
		go c.reconnect()
	}
	return c, nil
}

func (c *Conn) dial() error {
	cl, err := valkey.NewClient(c.opt)
	if err != nil {
		return fmt.Errorf("error connecting to valkey: %w", err)
	}
	c.client.Store(&cl)
	return nil
}

func (c *Conn) reconnect() {
	defer c.wg.Done()
	t := time.NewTicker(ReconnectInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := c.dial(); err == nil {
				c.log.Info("valkey connected")
				return
			}
		}
	}
}

// Client returns the client once connected; ok is false until then.
func (c *Conn) Client() (cl valkey.Client, ok bool) {
	p := c.client.Load()
	if p == nil {
		return nil, false
	}
	return *p, true
}

// Ping checks that Valkey answers; readiness uses it.
func (c *Conn) Ping(ctx context.Context) error {
	if _, ok := c.Client(); !ok {
		return ErrUnavailable
	}
	if err := c.Do(ctx, func(b valkey.Builder) valkey.Completed { return b.Ping().Build() }).Error(); err != nil {
		return fmt.Errorf("error pinging valkey: %w", err)
	}
	return nil
}

// Close stops retrying and closes the client.
func (c *Conn) Close() {
	c.once.Do(func() {
		close(c.stop)
		c.wg.Wait()
		if cl, ok := c.Client(); ok {
			cl.Close()
		}
	})
}
