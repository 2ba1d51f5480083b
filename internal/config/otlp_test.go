package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/config"
)

func TestOTLPEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ value, want, err string }{
		{"", "", ""},
		{"http://127.0.0.1:4318", "http://127.0.0.1:4318", ""},
		{"https://otel.example.com", "https://otel.example.com", ""},
		{"127.0.0.1:4318", "", "OTEL_EXPORTER_OTLP_ENDPOINT: want an http:// or https:// URL"},
		{"grpc://jaeger:4317", "", "OTEL_EXPORTER_OTLP_ENDPOINT: want an http:// or https:// URL"},
	} {
		cfg, err := config.Load(func(k string) (string, bool) {
			if k == "OTEL_EXPORTER_OTLP_ENDPOINT" {
				return tc.value, true
			}
			return "", false
		})
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, "%q", tc.value)
			continue
		}
		require.NoError(t, err, "%q", tc.value)
		require.Equal(t, tc.want, cfg.OTLPEndpoint)
	}
}
