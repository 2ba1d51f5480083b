package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
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
		require.Contains(t, out.String(), "river 001 create river migration", "river's migrations are listed too")
		require.NotRegexp(t, `(?m) pending$`, out.String(), "everything is applied")
		lines := strings.Count(out.String(), "\n")
		require.GreaterOrEqual(t, lines, 1)
	})
}

func TestUsersDeactivate(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	inst := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
	acct := inst.Register(t)
	me := func() int {
		return inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token}).Status
	}
	require.Eventually(t, func() bool {
		before := inst.Valkey.RoundTrips()
		return me() == http.StatusOK && inst.Valkey.RoundTrips() == before
	}, 2*time.Second, 5*time.Millisecond, "the token is warm in the server's caches")

	env := envOf(map[string]string{"DATABASE_URL": inst.DatabaseURL, "VALKEY_URL": url, "CACHE_KEY_PREFIX": prefix})
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"users", "deactivate", strings.ToUpper(acct.Email)}, env, &out, &errOut), errOut.String())
	start := time.Now()
	for me() != http.StatusUnauthorized {
		require.Less(t, time.Since(start), time.Second, "the running server must reject the deactivated user's token")
	}
	t.Logf("deactivation reached the running server in %v", time.Since(start))
	require.Less(t, time.Since(start), 100*time.Millisecond)

	err := run(context.Background(), []string{"users", "deactivate", "nobody@example.com"}, env, &out, &errOut)
	require.ErrorContains(t, err, "no account")
}

func TestSeedInvalidatesRunningServers(t *testing.T) {
	t.Parallel()
	url, prefix := apptest.SharedValkey(t)
	inst := apptest.Start(t, apptest.Options{ValkeyURL: url, KeyPrefix: prefix})
	acct := inst.Register(t)
	names := func() string {
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/static-data", Token: acct.Token})
		require.Equal(t, http.StatusOK, r.Status)
		return string(r.Body)
	}
	require.NotContains(t, names(), "Houseboat") // now cached

	conn, err := pgx.Connect(context.Background(), inst.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), "INSERT INTO residence_types (name, display_order) VALUES ('Houseboat', 50)")
	require.NoError(t, err)
	require.NotContains(t, names(), "Houseboat", "served from the cache until told otherwise")

	env := envOf(map[string]string{"DATABASE_URL": inst.DatabaseURL, "VALKEY_URL": url, "CACHE_KEY_PREFIX": prefix})
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"seed"}, env, &out, &errOut), errOut.String())
	start := time.Now()
	for !strings.Contains(names(), "Houseboat") {
		require.Less(t, time.Since(start), time.Second, "the running server must drop its cached static data")
	}
	t.Logf("seed reached the running server in %v", time.Since(start))
}
