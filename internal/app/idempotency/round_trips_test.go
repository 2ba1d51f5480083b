package idempotency_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// cost is what one request sent to PostgreSQL.
type cost struct {
	status                 int
	roundTrips, statements int64
	sql                    []string
}

func costOf(t *testing.T, inst *apptest.Instance, r request, key string) cost {
	t.Helper()
	before := inst.Stmts.Snapshot()
	resp := mustSend(t, inst, r, key)
	return cost{status: resp.Status, roundTrips: inst.Stmts.RoundTrips(before), statements: inst.Stmts.Statements(before),
		sql: inst.Stmts.Since(before)}
}

// TestKeyCostsTwoRoundTripsAndNoKeyNothing measures each keyed operation's round trips: without the header
// exactly what the operation costs without this package (no statement of it), with a key two more (the guard
// batch [BEGIN, lock, lookup, SAVEPOINT] and the [INSERT response, COMMIT] batch), and a replay two in all
// (the guard batch and its ROLLBACK), whatever the operation.
func TestKeyCostsTwoRoundTripsAndNoKeyNothing(t *testing.T) {
	inst := startInstance(t)
	for _, op := range keyedOps(t, inst) {
		if op.name == "joinResidence" {
			continue // a second join of the same user is another path (already a member)
		}
		t.Run(op.name, func(t *testing.T) {
			_ = mustSend(t, inst, op.request(0), "") // warm the caches the operation reads
			plain := costOf(t, inst, op.request(0), "")
			require.Less(t, plain.status, 300)
			for _, s := range plain.sql {
				require.NotContains(t, s, "idempotency", "a request without the header touches no key")
				require.NotContains(t, strings.ToUpper(s), "SAVEPOINT")
			}
			key := newKey()
			keyed := costOf(t, inst, op.request(1), key)
			require.Less(t, keyed.status, 300)
			require.Equal(t, plain.roundTrips+2, keyed.roundTrips, "keyed: %q\nplain: %q", keyed.sql, plain.sql)
			replay := costOf(t, inst, op.request(1), key)
			require.Equal(t, int64(2), replay.roundTrips, "replay: %q", replay.sql)
			t.Logf("%s: %d round trips (%d statements) without a key, %d (%d) with one, %d (%d) for a replay",
				op.name, plain.roundTrips, plain.statements, keyed.roundTrips, keyed.statements, replay.roundTrips,
				replay.statements)
		})
	}
}
