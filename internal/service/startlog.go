package service

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// muteHandler passes records on to Handler until muted is set. The HTTP server logs through one while the
// API starts: a start-up that fails stops a server that never took traffic, and its "draining in-flight
// requests" would only bury the one line that says what went wrong.
type muteHandler struct {
	slog.Handler
	muted *atomic.Bool
}

// Enabled implements slog.Handler.
func (h muteHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return !h.muted.Load() && h.Handler.Enabled(ctx, level)
}

// WithAttrs implements slog.Handler.
func (h muteHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return muteHandler{h.Handler.WithAttrs(attrs), h.muted}
}

// WithGroup implements slog.Handler.
func (h muteHandler) WithGroup(name string) slog.Handler {
	return muteHandler{h.Handler.WithGroup(name), h.muted}
}
