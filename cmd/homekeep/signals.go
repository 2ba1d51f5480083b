package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// notifySignals returns a context that the first SIGINT or SIGTERM cancels (serve starts draining, worker
// stops fetching) and a channel that the second closes: the operator's Ctrl-C twice, which makes serve skip
// the rest of SHUTDOWN_DELAY. After the second, Go's default handling is back, so a third ends the process
// at once. stop releases the signals.
func notifySignals(parent context.Context) (ctx context.Context, hurry <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	hurried := make(chan struct{})
	sigs := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case s := <-sigs:
			// slog.Default is the configured logger by now (loadConfig sets it).
			slog.Warn("second signal: skipping what is left of the pre-stop delay; a third stops the process at once",
				"signal", s.String())
			signal.Reset(os.Interrupt, syscall.SIGTERM)
			close(hurried)
		case <-done:
		}
	}()
	return ctx, hurried, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

type hurryKey struct{}

// withHurry carries the second signal's channel to the commands that drain (serve).
func withHurry(ctx context.Context, hurry <-chan struct{}) context.Context {
	return context.WithValue(ctx, hurryKey{}, hurry)
}

// hurryFrom returns the channel withHurry stored, or nil (never closes) when there is none, as in tests that
// call run directly.
func hurryFrom(ctx context.Context) <-chan struct{} {
	h, _ := ctx.Value(hurryKey{}).(<-chan struct{})
	return h
}
