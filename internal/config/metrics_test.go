package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMetricsAddr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, value, want string
	}{
		{"UnsetServesOnTheMainListener", "", ""},
		{"AnAddress", "127.0.0.1:9090", "127.0.0.1:9090"},
		{"APortOnEveryInterface", ":9090", ":9090"},
		{"Off", "off", MetricsOff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(env(map[string]string{"METRICS_ADDR": tc.value}))
			require.NoError(t, err)
			require.Equal(t, tc.want, c.MetricsAddr)
		})
	}
	for _, bad := range []string{"9090", "localhost", "on"} {
		t.Run("Refuses"+bad, func(t *testing.T) {
			t.Parallel()
			_, err := Load(env(map[string]string{"METRICS_ADDR": bad}))
			require.ErrorContains(t, err, "METRICS_ADDR: want host:port, :port or off")
		})
	}
}
