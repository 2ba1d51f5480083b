package deploy

import (
	"bufio"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/config"
)

// stopMargin covers what a stop takes beyond SHUTDOWN_DELAY and SHUTDOWN_TIMEOUT: emptying the listener's
// accept queue (at most a second), and the jobs cancelled at the timeout returning (at most 5 s more).
const stopMargin = 6 * time.Second

// stopBound is the longest a process with cfg may take to exit after SIGTERM: serve answers for the delay,
// then drains for the timeout; a worker has no delay.
func stopBound(cfg config.Config, serve bool) time.Duration {
	bound := cfg.ShutdownTimeout + stopMargin
	if serve {
		bound += cfg.ShutdownDelay
	}
	return bound
}

// TestStopTimeoutsOutlastTheDrain: systemd and Docker kill a process that has not exited when their stop
// timeout runs out, which would cut a drain short and lose what it was finishing; each must wait longer
// than the settings they run Homekeep with let it take.
func TestStopTimeoutsOutlastTheDrain(t *testing.T) {
	t.Parallel()

	t.Run("Systemd", func(t *testing.T) {
		t.Parallel()
		env := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(readRepoFile(t, "deploy/systemd/homekeep.env.example")))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
				env[k] = v
			}
		}
		cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		require.NoError(t, err)
		for _, file := range unitFiles {
			svc := parseUnit(t, "deploy/systemd/"+file)["Service"]
			require.Len(t, svc["TimeoutStopSec"], 1, file)
			stop, err := time.ParseDuration(svc["TimeoutStopSec"][0])
			require.NoError(t, err, "%s: TimeoutStopSec in seconds with a unit, such as 30s", file)
			serve := !strings.Contains(file, "worker")
			require.Greater(t, stop, stopBound(cfg, serve), "%s: TimeoutStopSec outlasts the drain", file)
		}
	})

	t.Run("Compose", func(t *testing.T) {
		t.Parallel()
		all, err := loadCompose(t, map[string]string{"POSTGRES_PASSWORD": "pw", "PUBLIC_URL": "https://homekeep.example.com"})
		require.NoError(t, err)
		for _, name := range homekeepServices {
			s := all.Services[name]
			cfg, err := config.Load(environment(s))
			require.NoError(t, err, name)
			require.NotNil(t, s.StopGracePeriod, "%s sets stop_grace_period (Docker's default is 10 s)", name)
			require.Greater(t, time.Duration(*s.StopGracePeriod), stopBound(cfg, name == "serve"),
				"%s: stop_grace_period outlasts the drain", name)
		}
	})
}
