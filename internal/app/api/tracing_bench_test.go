package api_test

import (
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
)

// BenchmarkBoardTracing measures the warm board read that runs its statement (BenchmarkBoard) with tracing
// off, which is what a process without OTEL_EXPORTER_OTLP_ENDPOINT runs and what every other benchmark
// measures (no provider given to ogen, no pgx tracer but the tests' counter); with a no-op provider
// installed as if tracing were on (ogen's spans and the SQL tracer run, and find nothing recording); and
// recording every span (an SDK provider sampling all, exporting nowhere), the cost of tracing itself.
func BenchmarkBoardTracing(b *testing.B) {
	recording := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	b.Cleanup(func() { _ = recording.Shutdown(b.Context()) })
	for _, mode := range []struct {
		name string
		tp   trace.TracerProvider
	}{
		{"Off", nil},
		{"NoopProvider", noop.NewTracerProvider()},
		{"Recording", recording},
	} {
		b.Run(mode.name, func(b *testing.B) {
			inst, acct := boardBenchInstance(b, apptest.Options{TracerProvider: mode.tp,
				Configure: func(c *config.Config) { c.BoardCacheSize = 0 }})
			benchGet(b, inst, acct.Token, "/tasks")
		})
	}
}
