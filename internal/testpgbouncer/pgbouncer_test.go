package testpgbouncer

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
)

func TestStartPoolsTransactions(t *testing.T) {
	t.Parallel()
	pb := Start(t, Options{PoolSize: 2})
	require.Regexp(t, `^PgBouncer \d+\.\d+`, pb.Version)
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(pb.URL(t, testdb.New(t)))
	require.NoError(t, err)
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	a, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer a.Close(ctx)
	var pid uint32
	require.NoError(t, a.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid))
	require.NotEqual(t, a.PgConn().PID(), pid, "pgbouncer answers start-up with a key of its own")
	var migrated bool
	require.NoError(t, a.QueryRow(ctx, "SELECT to_regclass('public.users') IS NOT NULL").Scan(&migrated))
	require.True(t, migrated, "the database name passes through to the test database")
}

func TestINI(t *testing.T) {
	t.Parallel()
	conf, err := ini("/tmp/pb", "127.0.0.1:6543", Options{Upstream: "127.0.0.1:5432", PoolSize: 7,
		MaxPreparedStatements: 100}.withDefaults())
	require.NoError(t, err)
	for _, line := range []string{"* = host=127.0.0.1 port=5432", "listen_addr = 127.0.0.1", "listen_port = 6543",
		"pool_mode = transaction", "default_pool_size = 7", "auth_file = /tmp/pb/userlist.txt", "max_prepared_statements = 100"} {
		require.Contains(t, conf, line+"\n")
	}
	_, err = ini("/tmp/pb", "no port", Options{Upstream: "127.0.0.1:5432"})
	require.Error(t, err)
	conf, err = ini("/tmp/pb", "127.0.0.1:6543", Options{}.withDefaults())
	require.NoError(t, err)
	require.NotContains(t, conf, "max_prepared_statements", "a 1.18 pgbouncer refuses the setting, so it is only there when asked for")
}

func TestSupportsPreparedStatementsFrom121(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		version string
		want    bool
	}{
		{"PgBouncer 1.18.0", false},
		{"PgBouncer 1.20.1", false},
		{"PgBouncer 1.21.0", true},
		{"PgBouncer 1.24.1", true},
		{"PgBouncer 2.0.0", true},
		{"PgBouncer", false},
		{"PgBouncer x.y", false},
		{"", false},
	} {
		require.Equal(t, tt.want, SupportsPreparedStatements(tt.version), tt.version)
	}
}

func TestURLPointsAtPgBouncer(t *testing.T) {
	t.Parallel()
	pb := &PgBouncer{Addr: "127.0.0.1:6543"}
	require.Equal(t, "postgres://postgres@127.0.0.1:6543/homekeep_test_1?application_name=x&sslmode=disable",
		pb.URL(t, "postgres://postgres@127.0.0.1:5432/homekeep_test_1?application_name=x&sslmode=prefer"))
}
