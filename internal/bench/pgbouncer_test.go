package bench

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPgBouncerINI(t *testing.T) {
	t.Parallel()
	ini, err := pgBouncerINI("/tmp/pb", "127.0.0.1:6543", PgBouncerOptions{Upstream: "127.0.0.1:5432", PoolSize: 7})
	require.NoError(t, err)
	for _, line := range []string{"* = host=127.0.0.1 port=5432", "listen_addr = 127.0.0.1", "listen_port = 6543",
		"pool_mode = transaction", "default_pool_size = 7", "auth_file = /tmp/pb/userlist.txt"} {
		require.Contains(t, ini, line+"\n")
	}
	_, err = pgBouncerINI("/tmp/pb", "no port", PgBouncerOptions{Upstream: "127.0.0.1:5432"})
	require.Error(t, err)
	_, err = pgBouncerINI("/tmp/pb", "127.0.0.1:1", PgBouncerOptions{Upstream: "nohost"})
	require.Error(t, err)
}
