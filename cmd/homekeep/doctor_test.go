package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/doctor"
	"github.com/homekeep/homekeep/internal/testdb"
)

func TestDoctor(t *testing.T) {
	t.Parallel()

	t.Run("TestDatabaseExitsZeroWithARoundTrip", func(t *testing.T) {
		t.Parallel()
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"doctor"}, envOf(map[string]string{"DATABASE_URL": testdb.New(t)}), &out, &errOut)
		require.NoError(t, err, out.String()+errOut.String())
		require.Regexp(t, `(?m)^  round trip  \d+\.\d\d ms median of 10 \(p10 \d+\.\d\d ms, p90 \d+\.\d\d ms, min \d+\.\d\d ms, max \d+\.\d\d ms\)$`, out.String())
		require.Contains(t, out.String(), "Valkey      VALKEY_URL is unset\n")
		require.Regexp(t, `(?m)^OK    pooler      DB_POOLER=none matches: none$`, out.String())
	})

	t.Run("RefusedDatabaseExitsNonZeroNamingTheHost", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		var out, errOut bytes.Buffer
		err = run(context.Background(), []string{"doctor"}, envOf(map[string]string{"DATABASE_URL": "postgres://postgres@" + addr + "/homekeep"}),
			&out, &errOut)
		require.ErrorIs(t, err, errChecksFailed)
		require.Regexp(t, `(?m)^FAIL  postgres    PostgreSQL at `+addr+`: cannot connect: `, out.String())
	})

	t.Run("JSONParses", func(t *testing.T) {
		t.Parallel()
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"doctor", "--json"}, envOf(map[string]string{"DATABASE_URL": testdb.New(t)}), &out, &errOut)
		require.NoError(t, err, errOut.String())
		var r doctor.Report
		require.NoError(t, json.Unmarshal(out.Bytes(), &r), out.String())
		require.True(t, r.Postgres.Reachable)
		require.Positive(t, r.Postgres.RTT.Median)
		require.Nil(t, r.Valkey, "VALKEY_URL is unset")
		require.Equal(t, "none", r.Pool.Pooler)
		require.NotEmpty(t, r.Checks)
		var raw map[string]any
		require.NoError(t, json.Unmarshal(out.Bytes(), &raw))
		require.Contains(t, raw, "expected_board_read")
		require.Nil(t, raw["valkey"], "an unset Valkey is null")
	})

	t.Run("ArgumentsAreAUsageError", func(t *testing.T) {
		t.Parallel()
		var out, errOut bytes.Buffer
		require.ErrorIs(t, run(context.Background(), []string{"doctor", "extra"}, envOf(nil), &out, &errOut), errUsage)
	})
}
