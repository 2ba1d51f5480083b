package doctor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/config"
)

// The kinds of pooler DetectPooler tells apart.
const (
	// PoolerKindNone: this process talks to PostgreSQL itself.
	PoolerKindNone = "none"
	// PoolerKindTransaction: a pooler hands server connections out per transaction (PgBouncer's
	// pool_mode=transaction or statement), so session state does not follow a client.
	PoolerKindTransaction = "transaction"
	// PoolerKindOther: a pooler is in between, but session state was not seen to move (session mode, or a
	// transaction pooler that happened to hand out another server connection).
	PoolerKindOther = "pooler, mode not determined"
)

// PoolerDetection is what sits between this process and PostgreSQL, and how doctor knows.
type PoolerDetection struct {
	Kind     string `json:"kind"`
	Evidence string `json:"evidence"`
	// PreparedStatements says whether a transaction pooler keeps protocol-level prepared statements
	// (ProbePreparedStatements); absent when not probed or the probe could not tell.
	PreparedStatements *bool `json:"prepared_statements,omitempty"`
}

// probeSetting is the custom setting the session probe writes; it does nothing else.
const probeSetting = "homekeep.doctor_probe"

// DetectPooler tells a direct connection from a pooler, and a transaction-mode pooler from others. It needs
// two connections of pool (pass a pool without prepared statements: it may be in front of a pooler).
//
// A pooler is recognised by the backend key: PostgreSQL tells a client its backend's pid at start-up, and
// `SELECT pg_backend_pid()` on that connection answers the same pid, always. A pooler (PgBouncer, Odyssey,
// pgpool) answers start-up itself with a key of its own, so the two differ. This works in every pool mode,
// whatever the pooler calls itself, and needs no admin console.
//
// Transaction mode is then recognised by session state leaking between clients: client a sets a random
// session-level setting in one statement (its own transaction), which returns the server connection to the
// pool; client b, asking next, is handed an idle server connection (PgBouncer hands out the most recently
// used one first), and sees a's value. In session mode a keeps its server connection, so b never sees it.
// As a second sign, a's own statements landing on different backends also means transaction mode.
func DetectPooler(ctx context.Context, pool *pgxpool.Pool) (PoolerDetection, error) {
	a, err := pool.Acquire(ctx)
	if err != nil {
		return PoolerDetection{}, err
	}
	defer a.Release()
	var pid uint32
	if err := a.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		return PoolerDetection{}, fmt.Errorf("error reading the backend pid: %w", err)
	}
	if keyPID := a.Conn().PgConn().PID(); keyPID == pid {
		return PoolerDetection{Kind: PoolerKindNone,
			Evidence: fmt.Sprintf("the backend pid at start-up (%d) is the one pg_backend_pid() answers", pid)}, nil
	}
	pooled := fmt.Sprintf("start-up named backend pid %d but pg_backend_pid() answers %d: something answers start-up for PostgreSQL",
		a.Conn().PgConn().PID(), pid)

	b, err := pool.Acquire(ctx)
	if err != nil {
		return PoolerDetection{}, err
	}
	defer b.Release()
	token := make([]byte, 8)
	_, _ = rand.Read(token)
	want := hex.EncodeToString(token)
	if _, err := a.Exec(ctx, "SELECT set_config('"+probeSetting+"', $1, false)", want); err != nil {
		return PoolerDetection{}, fmt.Errorf("error writing the session probe: %w", err)
	}
	var got string
	if err := b.QueryRow(ctx, "SELECT coalesce(current_setting('"+probeSetting+"', true), '')").Scan(&got); err != nil {
		return PoolerDetection{}, fmt.Errorf("error reading the session probe: %w", err)
	}
	if got == want {
		return PoolerDetection{Kind: PoolerKindTransaction,
			Evidence: pooled + "; a setting one client made was seen by another (session state does not follow a client)"}, nil
	}
	pids := map[uint32]bool{pid: true}
	for range 4 {
		if err := a.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			return PoolerDetection{}, fmt.Errorf("error reading the backend pid: %w", err)
		}
		pids[pid] = true
		// b takes a server connection between a's statements, as another client would.
		if _, err := b.Exec(ctx, "SELECT 1"); err != nil {
			return PoolerDetection{}, fmt.Errorf("error running a probe statement: %w", err)
		}
	}
	if len(pids) > 1 {
		return PoolerDetection{Kind: PoolerKindTransaction,
			Evidence: pooled + fmt.Sprintf("; one client's statements ran on %d different backends", len(pids))}, nil
	}
	return PoolerDetection{Kind: PoolerKindOther, Evidence: pooled + "; session state stayed with its client"}, nil
}

// poolerVerdict compares the detected pooler with DB_POOLER.
func poolerVerdict(setting string, d PoolerDetection) (Status, string) {
	switch {
	case setting == config.PoolerNone && d.Kind == PoolerKindTransaction:
		return StatusFail, "a transaction-mode pooler is in front of PostgreSQL but DB_POOLER=none: prepared statements " +
			"and per-connection settings would reach the wrong sessions; set DB_POOLER=pgbouncer-transaction"
	case setting == config.PoolerNone && d.Kind == PoolerKindOther:
		return StatusWarn, "a pooler is in front of PostgreSQL and DB_POOLER=none: fine in session mode; if it pools " +
			"transactions, set DB_POOLER=pgbouncer-transaction"
	case setting == config.PoolerPgBouncerTransaction && d.Kind == PoolerKindNone:
		return StatusWarn, "DB_POOLER=pgbouncer-transaction but PostgreSQL answers directly: the hot statements are not " +
			"prepared; set DB_POOLER=none"
	}
	return StatusOK, "DB_POOLER=" + setting + " matches: " + d.Kind
}
