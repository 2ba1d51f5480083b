package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testdb"
)

func envOf(m map[string]string) lookupFunc {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestRun(t *testing.T) {
	t.Parallel()

	t.Run("HelpListsEverySettingWithDefault", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{{"--help"}, {"serve", "--help"}} {
			var out, errOut bytes.Buffer
			err := run(context.Background(), args, envOf(nil), &out, &errOut)
			if len(args) == 1 {
				require.NoError(t, err)
			}
			for _, s := range config.Settings {
				require.Contains(t, out.String(), s.Env, "%v must list %s", args, s.Env)
				if s.Default != "" {
					require.Contains(t, out.String(), s.Default)
				}
			}
		}
	})

	t.Run("ServeHelpListsFlags", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		_ = run(context.Background(), []string{"serve", "--help"}, envOf(nil), &out, &out)
		for _, flag := range []string{"-no-migrate", "-seed", "-embedded-postgres"} {
			require.Contains(t, out.String(), flag)
		}
	})

	t.Run("BadSettingStopsWithOneLine", func(t *testing.T) {
		t.Parallel()
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"serve"}, envOf(map[string]string{"DB_MAX_CONNS": "abc"}), &out, &errOut)
		require.EqualError(t, err, `DB_MAX_CONNS: want a positive integer, got "abc"`)
	})

	t.Run("UnknownCommandIsUsageError", func(t *testing.T) {
		t.Parallel()
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"frobnicate"}, envOf(nil), &out, &errOut)
		require.ErrorIs(t, err, errUsage)
		require.Contains(t, errOut.String(), `unknown command "frobnicate"`)
	})

	t.Run("VersionPrintsVersion", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"version"}, envOf(nil), &out, &out))
		require.Equal(t, "homekeep dev\n", out.String())
	})

	t.Run("MigrateStatusAndSeed", func(t *testing.T) {
		t.Parallel()
		env := envOf(map[string]string{"DATABASE_URL": testdb.New(t)})
		var out, errOut bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"seed"}, env, &out, &errOut), errOut.String())
		require.Contains(t, out.String(), "reference data seeded")
		out.Reset()
		require.NoError(t, run(context.Background(), []string{"migrate", "status"}, env, &out, &errOut), errOut.String())
		require.Contains(t, out.String(), "00001_lookups.sql")
		require.NotContains(t, out.String(), "pending")
		lines := strings.Count(out.String(), "\n")
		require.GreaterOrEqual(t, lines, 1)
	})
}
