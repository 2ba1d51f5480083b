package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Timeouts bound how long one connection may hold the server.
type Timeouts struct {
	Read, Write, Idle, Shutdown time.Duration
}

// Serve answers on ln until ctx is cancelled, then stops accepting, lets in-flight requests finish for up to
// t.Shutdown, and returns. The caller closes the database and cache pools after Serve returns, so a draining
// request never finds them closed. It is ServeDraining without a pre-stop delay.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, t Timeouts, logger *slog.Logger) error {
	return ServeDraining(ctx, ln, h, t, Drain{}, logger)
}

// Drain is what ServeDraining does between the end of its context (SIGTERM) and the closing of its listener.
type Drain struct {
	// Delay is how long the listener stays open once the context ends (SHUTDOWN_DELAY): long enough for a
	// load balancer that saw /readyz turn 503 to stop sending. Every request is answered as before, each
	// with Connection: close, so no client keeps a connection it would send its next request on.
	Delay time.Duration
	// Hurry, when it closes (a second signal), ends the delay at once.
	Hurry <-chan struct{}
	// OnDrain is called as soon as the context ends, before the delay: Readiness.MarkDraining.
	OnDrain func()
}

// ServeDraining answers on ln until ctx is cancelled, then drains without failing a request a client has
// sent: OnDrain runs (so /readyz answers 503), and for d.Delay the listener stays open and every response
// carries Connection: close, so each connection is closed by the server right after a response, which is
// the one moment a client cannot be sending on it. Then the listener stops completing handshakes, closes
// once the connections already queued in it have been accepted (see quiesce), and the in-flight requests
// get t.Shutdown to finish. A connection left idle since before the drain is closed then, as net/http's
// Shutdown does; a client that sends on it at that very instant sees the usual HTTP/1.1 race (Go's
// transport retries idempotent requests). Shutting down without a delay (Delay 0) is the same less the wait.
func ServeDraining(ctx context.Context, ln net.Listener, h http.Handler, t Timeouts, d Drain, logger *slog.Logger) error {
	var draining atomic.Bool
	tracked := newConns()
	served := &onceCloseListener{Listener: ln}
	srv := &http.Server{
		Handler:           closeWhileDraining(h, &draining),
		ConnState:         tracked.hook,
		ReadHeaderTimeout: min(t.Read, 10*time.Second),
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(served) }()

	select {
	case err := <-errc:
		return fmt.Errorf("error serving HTTP: %w", err)
	case <-ctx.Done():
	}
	drainStart := time.Now()
	draining.Store(true)
	if d.OnDrain != nil {
		d.OnDrain()
	}
	if d.Delay > 0 {
		logger.Info("draining: /readyz answers 503 and every response closes its connection; the listener stays open",
			"for", d.Delay)
		timer := time.NewTimer(d.Delay)
		select {
		case <-timer.C:
		case <-d.Hurry:
			timer.Stop()
			logger.Info("second signal: closing the listener now, without waiting out the delay")
		case err := <-errc:
			timer.Stop()
			return fmt.Errorf("error serving HTTP: %w", err)
		}
	}
	if err := quiesce(ln, quiesceQuiet, quiesceLimit); err != nil {
		logger.Debug("closing the listener without emptying its accept queue first", "error", err)
	}
	logger.Info("shutting down: listener closed, draining in-flight requests", "timeout", t.Shutdown)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.Shutdown)
	defer cancel()
	// Closing the listener ourselves, not by Shutdown, leaves the requests that reach the connections already
	// open to be read and answered (Shutdown would drop them); each connection closes after its response.
	// Shutdown comes once none may still carry one, and closes the connections left idle.
	_ = served.Close()
	tracked.settle(sctx, drainStart, settleGrace)
	tracked.closeUnused()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, net.ErrClosed) {
		_ = srv.Close()
		return fmt.Errorf("error draining requests: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("error serving HTTP: %w", err)
	}
	return nil
}

// Closing the listener waits until its accept queue has been empty for quiesceQuiet (a handshake under way
// when new ones were refused has finished by then, on any network a load balancer shares with the server),
// and no longer than quiesceLimit.
//
// Once it is closed, a connection that became idle during the drain (its response had begun before it, so
// it lacks Connection: close) or that was accepted but has not sent its request yet is given settleGrace to
// bring one before Shutdown may close it.
const (
	quiesceQuiet = 50 * time.Millisecond
	quiesceLimit = time.Second
	settleGrace  = time.Second
)

// closeWhileDraining answers each request that starts once draining is set with Connection: close, which
// net/http honours by closing the connection after the response: the client learns with the response that
// it must not send on that connection again, so no request of its can cross the server's close.
func closeWhileDraining(h http.Handler, draining *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// Listen opens a plain TCP listener on addr. Go's default listener on Linux is multipath TCP (MPTCP), which
// takes no socket filter, so ServeDraining could not refuse new handshakes on it before closing it; a
// client behind a load balancer gains nothing from MPTCP.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	// net's error already names the address; the caller says which setting moves it.
	return lc.Listen(ctx, "tcp", addr) //nolint:wrapcheck // see above
}
