package doctor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// preparedProbeTimeout bounds the probe statement's wait for a second server connection: behind a pooler
// with one server connection per pool it would wait for ever.
const preparedProbeTimeout = 3 * time.Second

// ProbePreparedStatements tells whether the transaction pooler in front of PostgreSQL keeps protocol-level
// prepared statements for its clients (PgBouncer 1.21+ with max_prepared_statements > 0), which
// DB_POOLER_PREPARED=true relies on. It needs two connections of pool (one without prepared statements).
//
// Client a prepares a statement by name, which lands on one server connection; client b then opens a
// transaction, which holds that same server connection (PgBouncer hands out the most recently used one
// first); a then runs its statement, which must go to another server connection. A pooler that keeps
// prepared statements prepares it there first and it runs; one that does not passes the name through, and
// PostgreSQL answers that no such statement exists (SQLSTATE 26000).
func ProbePreparedStatements(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	a, err := pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer a.Release()
	b, err := pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer b.Release()
	token := make([]byte, 8)
	_, _ = rand.Read(token)
	name := "homekeep_doctor_probe_" + hex.EncodeToString(token)
	pa := a.Conn().PgConn()
	if _, err := pa.Prepare(ctx, name, "SELECT 1", nil); err != nil {
		return false, fmt.Errorf("error preparing the probe statement: %w", err)
	}
	tx, err := b.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("error opening the probe transaction: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, "SELECT 1"); err != nil {
		return false, fmt.Errorf("error running the probe transaction: %w", err)
	}
	probeCtx, cancel := context.WithTimeout(ctx, preparedProbeTimeout)
	defer cancel()
	res := pa.ExecPrepared(probeCtx, name, nil, nil, nil).Read()
	var pgErr *pgconn.PgError
	switch {
	case res.Err == nil:
		_ = pa.Deallocate(ctx, name)
		return true, nil
	case errors.As(res.Err, &pgErr) && pgErr.Code == "26000":
		return false, nil
	case probeCtx.Err() != nil:
		return false, fmt.Errorf("no second server connection within %s (a pool_size of 1?)", preparedProbeTimeout)
	default:
		return false, fmt.Errorf("error running the probe statement: %w", res.Err)
	}
}

// preparedVerdict compares the pooler's support for prepared statements with DB_POOLER_PREPARED.
func preparedVerdict(setting bool, supported bool, err error) (string, Status, string) {
	const name = "prepared"
	switch {
	case err != nil && setting:
		return name, StatusWarn, "could not tell whether the pooler keeps prepared statements, which DB_POOLER_PREPARED=true needs: " + err.Error()
	case err != nil:
		return name, StatusOK, "DB_POOLER_PREPARED=false; whether the pooler keeps prepared statements is unknown: " + err.Error()
	case setting && !supported:
		return name, StatusFail, "DB_POOLER_PREPARED=true but the pooler does not keep prepared statements: the hot reads " +
			"will fail (prepared statement does not exist); set DB_POOLER_PREPARED=false, or max_prepared_statements on PgBouncer 1.21+"
	case !setting && supported:
		return name, StatusWarn, "the pooler keeps prepared statements (max_prepared_statements): set DB_POOLER_PREPARED=true " +
			"so the hot reads are prepared rather than planned on every request"
	case setting:
		return name, StatusOK, "DB_POOLER_PREPARED=true and the pooler keeps prepared statements"
	default:
		return name, StatusOK, "DB_POOLER_PREPARED=false and the pooler does not keep prepared statements"
	}
}
