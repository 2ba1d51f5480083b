package doctor

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testpgbouncer"
	"github.com/homekeep/homekeep/internal/testvalkey"
)

// defaults returns serve's configuration with the given overrides.
func defaults(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	return cfg
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// emptyDatabase creates a database with no migrations applied, dropped when the test ends.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	admin := testdb.New(t) // any database: only its server and role are used
	conn, err := pgx.Connect(ctx, admin)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	name := fmt.Sprintf("homekeep_test_doctor_%d", time.Now().UnixNano())
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			_ = c.Close(context.Background())
		}
	})
	u, err := url.Parse(admin)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

func check(t *testing.T, r *Report, name string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %q check in %+v", name, r.Checks)
	return Check{}
}

func TestRun(t *testing.T) {
	t.Parallel()

	t.Run("MeasuresTheTestDatabaseAndValkey", func(t *testing.T) {
		t.Parallel()
		valkeyURL, _ := testvalkey.New(t)
		r := Run(context.Background(), defaults(t, map[string]string{"DATABASE_URL": testdb.New(t), "VALKEY_URL": valkeyURL}))
		require.False(t, r.Failed(), "%+v", r.Checks)
		require.True(t, r.Postgres.Reachable)
		require.Equal(t, "127.0.0.1:5432", r.Postgres.Host)
		require.NotNil(t, r.Postgres.RTT)
		require.Equal(t, Samples, r.Postgres.RTT.Samples)
		require.Positive(t, r.Postgres.RTT.Median)
		require.LessOrEqual(t, r.Postgres.RTT.Min, r.Postgres.RTT.Median)
		require.LessOrEqual(t, r.Postgres.RTT.Median, r.Postgres.RTT.Max)
		require.Regexp(t, `^\d+(\.\d+)?`, r.Postgres.Version)
		require.Equal(t, PoolerKindNone, r.Postgres.Pooler.Kind, r.Postgres.Pooler.Evidence)
		require.Equal(t, StatusOK, check(t, r, "pooler").Status)
		require.Empty(t, r.Postgres.PendingMigrations, "a test database is migrated")
		require.NotNil(t, r.Postgres.PendingMigrations)
		require.False(t, r.Postgres.ClientTLS, "the test server is reached without TLS")
		require.NotNil(t, r.Postgres.ServerSSL)
		require.False(t, *r.Postgres.ServerSSL)
		require.Equal(t, r.Postgres.RTT.Median, r.Expected.Warm)
		require.Equal(t, 2*r.Postgres.RTT.Median, r.Expected.Cold)
		require.Equal(t, 2*r.Postgres.RTT.Median, r.Expected.FirstAfterDeploy)
		require.NotNil(t, r.Valkey)
		require.True(t, r.Valkey.Reachable)
		require.Regexp(t, `^(valkey|redis) \d`, r.Valkey.Version)
		require.Positive(t, r.Valkey.RTT.Median)
	})

	t.Run("RecognisesPgBouncerInTransactionMode", func(t *testing.T) {
		t.Parallel()
		pb := testpgbouncer.Start(t, testpgbouncer.Options{PoolSize: 2})
		through := pb.URL(t, testdb.New(t))
		r := Run(context.Background(), defaults(t, map[string]string{"DATABASE_URL": through, "DB_POOLER": "pgbouncer-transaction"}))
		require.False(t, r.Failed(), "%+v", r.Checks)
		require.Equal(t, PoolerKindTransaction, r.Postgres.Pooler.Kind, r.Postgres.Pooler.Evidence)
		require.Equal(t, pb.Addr, r.Postgres.Host)
		require.Empty(t, r.Postgres.PendingMigrations, "the status is read through the pooler")

		r = Run(context.Background(), defaults(t, map[string]string{"DATABASE_URL": through}))
		require.True(t, r.Failed(), "DB_POOLER=none behind a transaction pooler breaks prepared statements")
		require.Contains(t, check(t, r, "pooler").Message, "set DB_POOLER=pgbouncer-transaction")
	})

	t.Run("PendingMigrationsBehindPgBouncerNeedADirectURL", func(t *testing.T) {
		t.Parallel()
		pb := testpgbouncer.Start(t, testpgbouncer.Options{PoolSize: 2})
		direct := emptyDatabase(t)
		env := map[string]string{"DATABASE_URL": pb.URL(t, direct), "DB_POOLER": "pgbouncer-transaction"}
		r := Run(context.Background(), defaults(t, env))
		require.True(t, r.Failed())
		c := check(t, r, "migrations")
		require.Equal(t, StatusFail, c.Status)
		require.Contains(t, c.Message, "DATABASE_DIRECT_URL is unset: serve will refuse to start")

		env["DATABASE_DIRECT_URL"] = direct
		r = Run(context.Background(), defaults(t, env))
		require.False(t, r.Failed(), "%+v", r.Checks)
		require.Equal(t, StatusWarn, check(t, r, "migrations").Status, "serve migrates over the direct URL")
	})

	t.Run("PendingMigrationsAreAWarning", func(t *testing.T) {
		t.Parallel()
		r := Run(context.Background(), defaults(t, map[string]string{"DATABASE_URL": emptyDatabase(t)}))
		require.False(t, r.Failed(), "%+v", r.Checks)
		require.NotEmpty(t, r.Postgres.PendingMigrations)
		require.Equal(t, StatusWarn, check(t, r, "migrations").Status)
	})

	t.Run("RefusedDatabaseFailsNamingTheHost", func(t *testing.T) {
		t.Parallel()
		addr := closedPort(t)
		r := Run(context.Background(), defaults(t, map[string]string{"DATABASE_URL": "postgres://postgres@" + addr + "/postgres"}))
		require.True(t, r.Failed())
		c := check(t, r, "postgres")
		require.Equal(t, StatusFail, c.Status)
		require.Contains(t, c.Message, "PostgreSQL at "+addr)
		require.False(t, r.Postgres.Reachable)
		require.Nil(t, r.Expected)
	})

	t.Run("RefusedValkeyFailsNamingTheHost", func(t *testing.T) {
		t.Parallel()
		addr := closedPort(t)
		r := Run(context.Background(), defaults(t, map[string]string{"DATABASE_URL": testdb.New(t), "VALKEY_URL": "redis://" + addr}))
		require.True(t, r.Failed())
		c := check(t, r, "valkey")
		require.Equal(t, StatusFail, c.Status)
		require.Contains(t, c.Message, "Valkey at "+addr)
	})

	t.Run("UnsetValkeySaysSo", func(t *testing.T) {
		t.Parallel()
		r := Run(context.Background(), defaults(t, map[string]string{"DATABASE_URL": testdb.New(t)}))
		require.Nil(t, r.Valkey)
		c := check(t, r, "valkey")
		require.Equal(t, StatusOK, c.Status)
		require.Contains(t, c.Message, "VALKEY_URL is unset")
	})

	t.Run("UnsetDatabaseURLFails", func(t *testing.T) {
		t.Parallel()
		r := Run(context.Background(), defaults(t, nil))
		require.True(t, r.Failed())
		require.Contains(t, check(t, r, "postgres").Message, "DATABASE_URL is unset")
	})
}

func TestLatencyWarnsWhenTheDatabaseIsFar(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		median time.Duration
		want   Status
	}{
		{"Near", 2 * time.Millisecond, StatusOK},
		{"AtTheLimit", FarRTT, StatusOK},
		{"Far", 45 * time.Millisecond, StatusWarn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &Report{}
			latencyVerdict(r, tc.median)
			c := check(t, r, "latency")
			require.Equal(t, tc.want, c.Status)
			if tc.want == StatusWarn {
				require.Contains(t, c.Message, "your database is far away (45.00 ms round trip); this is what each request will cost: "+
					"warm board read 45.00 ms, cold 90.00 ms, first after a deploy 90.00 ms")
			}
		})
	}
}

func TestPoolerVerdict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		setting, kind string
		want          Status
	}{
		{config.PoolerNone, PoolerKindNone, StatusOK},
		{config.PoolerNone, PoolerKindTransaction, StatusFail},
		{config.PoolerNone, PoolerKindOther, StatusWarn},
		{config.PoolerPgBouncerTransaction, PoolerKindTransaction, StatusOK},
		{config.PoolerPgBouncerTransaction, PoolerKindOther, StatusOK},
		{config.PoolerPgBouncerTransaction, PoolerKindNone, StatusWarn},
	} {
		got, msg := poolerVerdict(tc.setting, PoolerDetection{Kind: tc.kind})
		require.Equal(t, tc.want, got, "%s behind %s: %s", tc.setting, tc.kind, msg)
	}
}

func TestSummarise(t *testing.T) {
	t.Parallel()
	var d []time.Duration
	for _, n := range []int{9, 1, 8, 2, 7, 3, 6, 4, 5, 10} {
		d = append(d, time.Duration(n)*time.Millisecond)
	}
	s := summarise(d)
	require.Equal(t, RTT{Samples: 10, Median: 5500 * time.Microsecond, P10: 2 * time.Millisecond, P90: 9 * time.Millisecond,
		Min: time.Millisecond, Max: 10 * time.Millisecond}, *s)
	require.Equal(t, 9*time.Millisecond, d[0], "the samples are not reordered")
}

func TestServerVersion(t *testing.T) {
	t.Parallel()
	require.Equal(t, "redis 7.0.15", serverVersion("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"))
	require.Equal(t, "valkey 8.1.1", serverVersion("# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.1.1\r\n"))
	require.Empty(t, serverVersion("# Server\r\n"))
}
