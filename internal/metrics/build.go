package metrics

import (
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// newBuildInfo returns homekeep_build_info, always 1, whose labels say which binary is running: the module
// version, the Go version and the VCS revision it was built from ("unknown" outside a VCS build, as in
// tests), so a dashboard can mark deploys.
func newBuildInfo() prometheus.Collector {
	version, revision, modified := "unknown", "unknown", "false"
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Name: "build_info",
		Help: "Always 1; the labels name the running build.",
		ConstLabels: prometheus.Labels{"version": version, "go_version": runtime.Version(),
			"revision": revision, "modified": modified},
	})
	g.Set(1)
	return g
}
