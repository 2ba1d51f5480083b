package dbpool

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := closed.Addr().String()
	require.NoError(t, closed.Close())

	tests := []struct {
		name, url, want string
	}{
		{"Refused", "postgres://postgres@" + refused + "/homekeep",
			"cannot connect to PostgreSQL at " + refused + ": connection refused; check DATABASE_URL and that the server is running"},
		{"NoSuchDatabase", "postgres://postgres@127.0.0.1:5432/homekeep_no_such_database",
			`cannot connect to PostgreSQL at 127.0.0.1:5432: database "homekeep_no_such_database" does not exist; check the database name in DATABASE_URL, or create the database`},
		{"NoSuchRole", "postgres://homekeep_no_such_role@127.0.0.1:5432/postgres",
			`cannot connect to PostgreSQL at 127.0.0.1:5432: role "homekeep_no_such_role" does not exist; check the user and password in DATABASE_URL and the server's pg_hba.conf`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := pgx.Connect(context.Background(), tt.url+"?connect_timeout=5")
			require.Error(t, err)
			got := Explain(err)
			require.EqualError(t, got, tt.want)
			require.NotContains(t, got.Error(), "\n")
			require.ErrorIs(t, got, err, "pgx's error stays in the chain")
		})
	}

	t.Run("LeavesOtherErrorsAlone", func(t *testing.T) {
		t.Parallel()
		other := errors.New("error applying migrations: syntax error")
		require.Same(t, other, Explain(other))
		_, err := pgx.Connect(canceled(), "postgres://postgres@"+refused+"/homekeep")
		require.Error(t, err)
		require.False(t, strings.HasPrefix(Explain(err).Error(), "cannot connect"), "a cancelled start is not an unreachable server")
	})
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
