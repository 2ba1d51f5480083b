package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/metrics"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// listenMetrics serves mx alone at /metrics on METRICS_ADDR until ctx ends; background waits for it.
func listenMetrics(ctx context.Context, cfg config.Config, mx *metrics.Metrics, background *sync.WaitGroup, log *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("METRICS_ADDR: cannot listen on %s (set METRICS_ADDR to another address, or off): %w",
			cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+metrics.Path, mx.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	background.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("error serving metrics", "addr", cfg.MetricsAddr, "error", err)
		}
	})
	background.Go(func() {
		<-ctx.Done()
		// A scrape is short; whatever is still running after a second is cut off.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx) //nolint:errcheck // shutting down: a scrape cut short is not worth a line
	})
	log.Info("metrics listening", "addr", ln.Addr().String())
	return nil
}

// workerMetrics returns the metrics of a `homekeep worker` process, which has no main listener: only when
// METRICS_ADDR names an address, else nil.
func workerMetrics(cfg config.Config) *metrics.Metrics {
	if cfg.MetricsAddr == "" || cfg.MetricsAddr == config.MetricsOff {
		return nil
	}
	return metrics.New()
}

// valkeyCounter is shared's counters for the metrics, or nil without Valkey (a nil *Conn inside the
// interface would not compare equal to nil).
func valkeyCounter(shared *valkeyconn.Conn) metrics.ValkeyCounter {
	if shared == nil {
		return nil
	}
	return shared
}

// newMetrics returns the process's metrics, or nil when METRICS_ADDR=off (every metrics method is then a
// no-op and nothing is installed on the request path).
func newMetrics(cfg config.Config) *metrics.Metrics {
	if cfg.MetricsAddr == config.MetricsOff {
		return nil
	}
	return metrics.New()
}

// serveMetrics instruments h and puts /metrics where METRICS_ADDR says: on the main listener when it is
// unset, otherwise on a listener of its own that serves only /metrics until ctx ends (background waits for
// it). The returned handler is what the main listener serves.
func serveMetrics(ctx context.Context, cfg config.Config, mx *metrics.Metrics, h http.Handler, background *sync.WaitGroup,
	log *slog.Logger, finders ...metrics.OperationFinder,
) (http.Handler, error) {
	if mx == nil {
		return h, nil
	}
	if cfg.MetricsAddr == "" {
		return mx.Instrument(h, true, finders...), nil
	}
	if err := listenMetrics(ctx, cfg, mx, background, log); err != nil {
		return nil, err
	}
	return mx.Instrument(h, false, finders...), nil
}

// jobMiddleware is the river middleware that observes jobs for mx, none without metrics.
func jobMiddleware(mx *metrics.Metrics) []rivertype.Middleware {
	if mw := mx.JobMiddleware(); mw != nil {
		return []rivertype.Middleware{mw}
	}
	return nil
}

// serveWorkerMetrics serves mx on METRICS_ADDR for a worker process (nothing when mx is nil); stop shuts the
// listener down and waits for it.
func serveWorkerMetrics(ctx context.Context, cfg config.Config, mx *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	if mx == nil {
		return func() {}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	var background sync.WaitGroup
	if err := listenMetrics(ctx, cfg, mx, &background, log); err != nil {
		cancel()
		return nil, err
	}
	return func() {
		cancel()
		background.Wait()
	}, nil
}
