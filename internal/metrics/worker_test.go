package metrics_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/testdb"
)

func TestWorkerMetrics(t *testing.T) {
	t.Parallel()

	// A worker has no main listener: METRICS_ADDR gives it one for its metrics, which show its jobs pool.
	t.Run("ServedOnMetricsAddr", func(t *testing.T) {
		t.Parallel()
		addr := freeAddr(t)
		cfg, err := config.Load(func(string) (string, bool) { return "", false })
		require.NoError(t, err)
		cfg.DatabaseURL, cfg.FileStorageURL, cfg.MetricsAddr = testdb.New(t), "mem://", addr
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ready, done := make(chan struct{}), make(chan error, 1)
		go func() {
			done <- service.RunWorker(ctx, service.WorkerOptions{Config: cfg, Logger: slog.New(slog.DiscardHandler),
				Migrate: true, OnReady: func() { close(ready) }})
		}()
		select {
		case <-ready:
		case err := <-done:
			t.Fatalf("the worker stopped before it was ready: %v", err)
		case <-time.After(30 * time.Second):
			t.Fatal("the worker was not ready after 30s")
		}

		families := scrape(t, "http://"+addr+"/metrics")
		conns := series(t, families, "homekeep_db_pool_max_conns", map[string]string{"pool": "jobs"})
		require.Positive(t, conns.GetGauge().GetValue())
		series(t, families, "homekeep_build_info", nil)

		cancel()
		require.NoError(t, <-done, "the worker stops cleanly")
		_, err = http.Get("http://" + addr + "/metrics") //nolint:noctx,bodyclose // the listener is gone: no body
		require.Error(t, err, "the metrics listener closes with the worker")
	})
}
