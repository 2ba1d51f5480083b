package bench

import (
	"errors"
	"testing"
	"time"

	"github.com/homekeep/homekeep/internal/testpgbouncer"
)

// ErrNoPgBouncer is returned by StartPgBouncer when no pgbouncer binary is installed; the bench notes it in
// the results instead of failing.
var ErrNoPgBouncer = errors.New("pgbouncer is not installed (Debian: apt-get install pgbouncer)")

// PgBouncer is a pgbouncer in transaction mode that the bench runs in front of PostgreSQL, the way
// DB_POOLER=pgbouncer-transaction expects to be deployed: the tests' own (internal/testpgbouncer).
type PgBouncer = testpgbouncer.PgBouncer

// PgBouncerOptions configures StartPgBouncer.
type PgBouncerOptions struct {
	// Upstream is PostgreSQL's host:port.
	Upstream string
	// PoolSize is how many server connections each database and user pair gets.
	PoolSize int
}

// benchServerIdleTimeout is pgbouncer's own default: server connections stay through the bench's idle
// phases, as in a deployment, so after-idle latencies measure Homekeep rather than pgbouncer reconnecting.
const benchServerIdleTimeout = 600 * time.Second

// StartPgBouncer starts pgbouncer (testpgbouncer.Launch) and stops it when the test ends. It returns
// ErrNoPgBouncer when the binary is missing.
func StartPgBouncer(t testing.TB, o PgBouncerOptions) (*PgBouncer, error) {
	t.Helper()
	pb, err := testpgbouncer.Launch(testpgbouncer.Options{Upstream: o.Upstream, PoolSize: o.PoolSize,
		ServerIdleTimeout: benchServerIdleTimeout})
	if errors.Is(err, testpgbouncer.ErrNotInstalled) {
		return nil, ErrNoPgBouncer
	}
	if err != nil {
		return nil, err
	}
	t.Cleanup(pb.Stop)
	return pb, nil
}
