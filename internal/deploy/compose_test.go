package deploy

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/distribution/reference"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/config"
)

// exactPostgresTag matches a PostgreSQL image tag naming one release (17.6, 17.6-bookworm).
var exactPostgresTag = regexp.MustCompile(`^\d+\.\d+(-[a-z0-9.]+)?$`)

// homekeepServices are compose.yaml's services that run the Homekeep image.
var homekeepServices = []string{"serve", "worker"}

// loadCompose loads compose.yaml the way `docker compose` does (interpolation, merge keys, validation
// against the Compose schema), with env as the shell's environment and the given profiles active.
func loadCompose(t *testing.T, env map[string]string, profiles ...string) (*types.Project, error) {
	t.Helper()
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  repoPath(t, ""),
		ConfigFiles: []types.ConfigFile{{Filename: repoPath(t, "compose.yaml")}},
		Environment: env,
	}, loader.WithProfiles(profiles), func(o *loader.Options) { o.SetProjectName("homekeep", true) })
}

// environment returns a service's environment as Homekeep's config reads it: a nil value is unset.
func environment(s types.ServiceConfig) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := s.Environment[k]
		if !ok || v == nil {
			return "", false
		}
		return *v, true
	}
}

func TestCompose(t *testing.T) {
	t.Parallel()
	env := map[string]string{"POSTGRES_PASSWORD": "s3cret-pw", "PUBLIC_URL": "https://homekeep.example.com"}
	all, err := loadCompose(t, env, "tracing", "push")
	require.NoError(t, err, "compose.yaml should load and validate with every profile")

	t.Run("ServicesAndProfiles", func(t *testing.T) {
		t.Parallel()
		names := all.ServiceNames()
		slices.Sort(names)
		require.Equal(t, []string{"gorush", "jaeger", "postgres", "serve", "valkey", "worker"}, names)
		require.Equal(t, []string{"tracing"}, all.Services["jaeger"].Profiles)
		require.Equal(t, []string{"push"}, all.Services["gorush"].Profiles)
		for _, name := range []string{"postgres", "valkey", "serve", "worker"} {
			require.Empty(t, all.Services[name].Profiles, "%s should run without a profile", name)
		}

		plain, err := loadCompose(t, env)
		require.NoError(t, err)
		running := plain.ServiceNames()
		slices.Sort(running)
		require.Equal(t, []string{"postgres", "serve", "valkey", "worker"}, running, "without profiles")
		disabled := plain.DisabledServiceNames()
		slices.Sort(disabled)
		require.Equal(t, []string{"gorush", "jaeger"}, disabled)
	})

	t.Run("RefusesToStartWithoutADatabasePassword", func(t *testing.T) {
		t.Parallel()
		_, err := loadCompose(t, map[string]string{})
		require.ErrorContains(t, err, "set POSTGRES_PASSWORD")
	})

	t.Run("EveryServiceHasAHealthCheck", func(t *testing.T) {
		t.Parallel()
		for name, s := range all.Services {
			require.NotNil(t, s.HealthCheck, "%s has no health check", name)
			require.False(t, s.HealthCheck.Disable, "%s's health check is disabled", name)
			require.NotEmpty(t, s.HealthCheck.Test, name)
			require.Equal(t, "CMD", s.HealthCheck.Test[0], "%s: exec form, no shell needed", name)
			require.NotNil(t, s.HealthCheck.Interval, name)
			require.NotNil(t, s.HealthCheck.Timeout, name)
		}
		require.Equal(t, types.HealthCheckTest{"CMD", "/usr/local/bin/homekeep", "healthcheck"},
			all.Services["serve"].HealthCheck.Test, "serve is checked through its /readyz")
		require.Equal(t, types.HealthCheckTest{"CMD", "pg_isready", "-U", "homekeep", "-d", "homekeep"},
			all.Services["postgres"].HealthCheck.Test)
	})

	t.Run("EveryImageIsPinnedToAnExactTag", func(t *testing.T) {
		t.Parallel()
		for name, s := range all.Services {
			ref, err := reference.ParseNormalizedNamed(s.Image)
			require.NoError(t, err, "%s: image %q", name, s.Image)
			tagged, ok := ref.(reference.Tagged)
			require.True(t, ok, "%s: image %q has no tag", name, s.Image)
			require.NotEqual(t, "latest", tagged.Tag(), name)
			if slices.Contains(homekeepServices, name) {
				require.NotNil(t, s.Build, "%s is built from the Dockerfile", name)
				require.Equal(t, "homekeep:dev", s.Image, "%s: one image for both roles", name)
				continue
			}
			require.Nil(t, s.Build, name)
			pattern := exactVersionTag
			if reference.Path(ref) == "library/postgres" {
				// PostgreSQL 10 and later number releases major.minor: 17.6 is one release, 17 is a line.
				pattern = exactPostgresTag
			}
			require.Regexp(t, pattern, tagged.Tag(), "%s: %q should name one release", name, s.Image)
		}
	})

	t.Run("HomekeepWaitsForHealthyDependencies", func(t *testing.T) {
		t.Parallel()
		for _, name := range homekeepServices {
			deps := all.Services[name].DependsOn
			for _, dep := range []string{"postgres", "valkey"} {
				require.Contains(t, deps, dep, "%s should depend on %s", name, dep)
				require.Equal(t, types.ServiceConditionHealthy, deps[dep].Condition, "%s → %s", name, dep)
			}
			require.NotContains(t, deps, "jaeger", "%s cannot depend on a service in an inactive profile", name)
			require.NotContains(t, deps, "gorush", name)
		}
		require.Equal(t, types.ServiceConditionHealthy, all.Services["worker"].DependsOn["serve"].Condition)
	})

	t.Run("HomekeepServicesRunTheirRoleWithSettingsHomekeepAccepts", func(t *testing.T) {
		t.Parallel()
		serve, worker := all.Services["serve"], all.Services["worker"]
		require.Equal(t, types.ShellCommand{"serve"}, serve.Command)
		require.Equal(t, types.ShellCommand{"worker"}, worker.Command)

		for _, name := range homekeepServices {
			s := all.Services[name]
			// The environment each one is given is what Homekeep's own settings parser accepts.
			cfg, err := config.Load(environment(s))
			require.NoError(t, err, "%s's environment should be valid settings", name)
			db, err := url.Parse(cfg.DatabaseURL)
			require.NoError(t, err, name)
			require.Equal(t, "postgres:5432", db.Host, "%s reaches the postgres service", name)
			pw, _ := db.User.Password()
			require.Equal(t, "s3cret-pw", pw, "%s uses POSTGRES_PASSWORD", name)
			require.Equal(t, "redis://valkey:6379/0", cfg.ValkeyURL, name)
			require.Equal(t, "file:///data/files", cfg.FileStorageURL, name)
			require.Equal(t, "https://homekeep.example.com", cfg.PublicURL, name)
			require.Empty(t, cfg.Push.GorushURL, "%s: Gorush is off unless GORUSH_URL is given", name)
		}
		cfg, err := config.Load(environment(serve))
		require.NoError(t, err)
		require.False(t, cfg.Workers, "serve only queues jobs: WORKERS=false")
		require.Equal(t, ":8080", cfg.HTTPAddr)

		require.Len(t, serve.Ports, 1)
		require.Equal(t, "127.0.0.1", serve.Ports[0].HostIP, "the API is reached through the reverse proxy only")
		require.Equal(t, uint32(8080), serve.Ports[0].Target)
		require.Empty(t, worker.Ports, "the worker has no listener")
	})

	t.Run("TracingAndPushAreWiredWhenAsked", func(t *testing.T) {
		t.Parallel()
		traced, err := loadCompose(t, map[string]string{"POSTGRES_PASSWORD": "pw",
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318", "GORUSH_URL": "http://gorush:8088"}, "tracing", "push")
		require.NoError(t, err)
		for _, name := range homekeepServices {
			s := traced.Services[name]
			require.Equal(t, "http://jaeger:4318", *s.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"], name)
			cfg, err := config.Load(environment(s))
			require.NoError(t, err, name)
			require.Equal(t, "http://gorush:8088", cfg.Push.GorushURL, name)
		}
		require.Equal(t, "true", *traced.Services["jaeger"].Environment["COLLECTOR_OTLP_ENABLED"], "Jaeger takes OTLP")
		for _, name := range homekeepServices {
			require.Empty(t, *all.Services[name].Environment["OTEL_EXPORTER_OTLP_ENDPOINT"], "%s: no tracing by default", name)
		}
	})

	t.Run("NamedVolumesForTheDatabaseAndTheFileStore", func(t *testing.T) {
		t.Parallel()
		volumes := all.VolumeNames()
		slices.Sort(volumes)
		require.Equal(t, []string{"database", "files"}, volumes)
		mount := func(service, volume string) string {
			for _, v := range all.Services[service].Volumes {
				if v.Type == types.VolumeTypeVolume && v.Source == volume {
					return v.Target
				}
			}
			return ""
		}
		require.Equal(t, "/var/lib/postgresql/data", mount("postgres", "database"))
		for _, name := range homekeepServices {
			target := mount(name, "files")
			require.NotEmpty(t, target, "%s should mount the files volume", name)
			cfg, err := config.Load(environment(all.Services[name]))
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(strings.TrimPrefix(cfg.FileStorageURL, "file://"), target+"/"),
				"%s: FILE_STORAGE_URL %s should be inside the volume at %s", name, cfg.FileStorageURL, target)
		}
		require.Empty(t, all.Services["valkey"].Volumes, "Valkey is a cache: nothing to keep")
		require.Subset(t, []string(all.Services["valkey"].Command), []string{"--maxmemory-policy", "allkeys-lru"},
			"a full cache should evict rather than refuse writes")
	})
}
