package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestServeWithUnreachableDatabaseSaysSoOnce checks that serve on a PostgreSQL that refuses connections stops
// with one line naming the address and what to check, logs no error of its own (main prints the returned one)
// and does not claim to drain requests it never served.
func TestServeWithUnreachableDatabaseSaysSoOnce(t *testing.T) {
	t.Parallel()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := closed.Addr().String()
	require.NoError(t, closed.Close()) // a port nothing listens on: connections are refused

	for _, args := range [][]string{{"serve"}, {"serve", "--no-migrate"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			err := run(context.Background(), args, envOf(map[string]string{"HTTP_ADDR": "127.0.0.1:0",
				"DATABASE_URL": "postgres://postgres@" + addr + "/homekeep", "DB_MIN_CONNS": "10"}), &out, &errOut)
			require.Error(t, err)
			require.Equal(t, "cannot connect to PostgreSQL at "+addr+
				": connection refused; check DATABASE_URL and that the server is running", err.Error())
			log := errOut.String()
			require.NotContains(t, log, "draining", "nothing was serving")
			require.NotContains(t, log, "level=ERROR", "the error is printed once, by main")
			require.NotContains(t, out.String(), "serving on")
		})
	}
}
