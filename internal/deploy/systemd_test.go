package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// unitFiles are the systemd units under deploy/systemd.
var unitFiles = []string{"homekeep.service", "homekeep-worker@.service"}

// parseUnit reads a systemd unit into section → key → values (a key may repeat). Comments and blank lines
// are skipped; the units use no line continuations, and a continuation would show up as a missing key.
func parseUnit(t *testing.T, rel string) map[string]map[string][]string {
	t.Helper()
	unit := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(readRepoFile(t, rel)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			unit[section] = map[string][]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			require.True(t, ok, "%s:%d: want Key=value, got %q", rel, n, line)
			require.NotEmpty(t, section, "%s:%d: %q outside a section", rel, n, line)
			require.False(t, strings.HasSuffix(value, `\`), "%s:%d: no continuation lines", rel, n)
			unit[section][key] = append(unit[section][key], value)
		}
	}
	return unit
}

func TestSystemdUnits(t *testing.T) {
	t.Parallel()
	for _, file := range unitFiles {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			unit := parseUnit(t, "deploy/systemd/"+file)
			svc := unit["Service"]
			require.NotNil(t, svc, "a [Service] section")
			one := func(key string) string {
				t.Helper()
				require.Len(t, svc[key], 1, "%s should be set once", key)
				return svc[key][0]
			}

			// Hardening the issue asks for, and what it depends on.
			require.Equal(t, "yes", one("DynamicUser"), "an unprivileged user allocated by systemd")
			require.Equal(t, "homekeep", one("User"), "one user name, so serve and workers share the state directory")
			require.Equal(t, "strict", one("ProtectSystem"))
			require.Equal(t, "yes", one("ProtectHome"))
			require.Equal(t, "yes", one("NoNewPrivileges"))
			require.Equal(t, "yes", one("PrivateTmp"))
			require.Empty(t, one("CapabilityBoundingSet"), "no capabilities at all")
			require.Equal(t, "EPERM", one("SystemCallErrorNumber"), "a filtered call fails instead of killing Go's runtime")

			// Settings from a file; files in the state directory, the only writable place under ProtectSystem.
			require.Equal(t, "/etc/homekeep/homekeep.env", one("EnvironmentFile"))
			require.Equal(t, "homekeep", one("StateDirectory"))
			require.Contains(t, svc["Environment"], "FILE_STORAGE_URL=file:///var/lib/homekeep/files",
				"uploads go to the state directory")
			require.Equal(t, "on-failure", one("Restart"))

			role := "serve"
			if strings.Contains(file, "worker") {
				role = "worker"
			}
			require.Equal(t, "/usr/local/bin/homekeep "+role, one("ExecStart"))
			require.Equal(t, []string{"multi-user.target"}, unit["Install"]["WantedBy"])
		})
	}

	t.Run("TheExampleSettingsRunJobsInTheWorkers", func(t *testing.T) {
		t.Parallel()
		env := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(readRepoFile(t, "deploy/systemd/homekeep.env.example")))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
				env[k] = v
			}
		}
		require.Equal(t, "false", env["WORKERS"], "serve only queues jobs when worker units run them")
		require.True(t, strings.HasPrefix(env["PUBLIC_URL"], "https://"), "production is reached over TLS")
		require.Equal(t, "127.0.0.1:8080", env["HTTP_ADDR"], "only the reverse proxy reaches the listener")
	})
}

// TestSystemdUnitsVerify asks systemd itself whether it understands every line (an unknown or misspelt
// option is only a warning to systemd, which then runs the service without it). The binary is replaced by
// /bin/true, since systemd-analyze checks that ExecStart exists.
func TestSystemdUnitsVerify(t *testing.T) {
	t.Parallel()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
	}
	dir := t.TempDir()
	var paths []string
	for _, file := range unitFiles {
		unit := strings.ReplaceAll(readRepoFile(t, "deploy/systemd/"+file), "/usr/local/bin/homekeep", "/bin/true")
		// A template is verified through an instance of it.
		name := strings.Replace(file, "@.", "@1.", 1)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(unit), 0o600))
		paths = append(paths, filepath.Join(dir, name))
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, paths...)...).CombinedOutput() //nolint:gosec // G204: our own files
	require.NoError(t, err, "systemd-analyze verify: %s", out)
	require.Empty(t, strings.TrimSpace(string(out)), "systemd-analyze verify should have nothing to say")
}
