package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/txscope"
)

// rollbackTimeout bounds the ROLLBACK of a request that is over (its own context may be cancelled).
const rollbackTimeout = 5 * time.Second

// stored is the first response of a key.
type stored struct {
	hash      []byte
	operation string
	status    int
	header    http.Header
	body      []byte
}

func (s *stored) sameRequest(hash []byte) bool { return bytes.Equal(s.hash, hash) }

// open is a keyed request's transaction on its connection.
type open struct {
	conn *pgxpool.Conn
	tx   *txscope.Tx
}

// guarded is what the guard found: the lock not taken, a stored response, or neither (then open is the
// transaction for the work).
type guarded struct {
	locked bool
	stored *stored
	open   *open
}

// lockID is the advisory lock of (user, key): 64 bits of a hash, so that two different pairs share a lock
// with odds of 2^-64 (and then one of them waits a second).
func lockID(userID int64, key string) int64 {
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "idempotency\x00%d\x00%s", userID, key)
	return int64(binary.BigEndian.Uint64(h.Sum(nil))) //nolint:gosec // G115: any 64 bits will do
}

// guard opens the transaction of a keyed request in one round trip: BEGIN, the (user, key) lock without
// waiting, the stored response, and the savepoint the work starts from. Unless the work is to run, the
// transaction is rolled back and the connection released before it returns. BEGIN on a connection found
// dead did nothing, so it is tried once more on a live one.
func (k *Keys) guard(ctx context.Context, userID int64, key string, hash []byte) (guarded, error) {
	g, err := k.tryGuard(ctx, userID, key)
	if err != nil && dbpool.ConnectionLost(err) && ctx.Err() == nil {
		g, err = k.tryGuard(ctx, userID, key)
	}
	if err != nil {
		return guarded{}, fmt.Errorf("error taking the Idempotency-Key guard: %w", err)
	}
	return g, nil
}

func (k *Keys) tryGuard(ctx context.Context, userID int64, key string) (guarded, error) {
	conn, err := k.db.Acquire(ctx)
	if err != nil {
		return guarded{}, err
	}
	var b pgx.Batch
	b.Queue("BEGIN")
	b.Queue(dbsqlc.IdempotencyKeyLock, lockID(userID, key))
	b.Queue(dbsqlc.IdempotencyKeyGet, userID, key)
	b.Queue("SAVEPOINT " + txscope.WorkSavepoint)
	var g guarded
	var row dbsqlc.IdempotencyKeyGetRow
	found := true
	err = func() (err error) {
		br := conn.SendBatch(ctx, &b)
		defer func() {
			if cerr := br.Close(); err == nil {
				err = cerr
			}
		}()
		if _, err := br.Exec(); err != nil {
			return err
		}
		if err := br.QueryRow().Scan(&g.locked); err != nil {
			return err
		}
		err = br.QueryRow().Scan(&row.RequestHash, &row.Operation, &row.ResponseStatus, &row.ResponseHeaders, &row.ResponseBody)
		if errors.Is(err, pgx.ErrNoRows) {
			found, err = false, nil
		}
		if err != nil {
			return err
		}
		_, err = br.Exec()
		return err
	}()
	o := &open{conn: conn}
	if err != nil {
		o.rollback(ctx)
		return guarded{}, err
	}
	if g.locked && found {
		g.stored = &stored{hash: row.RequestHash, operation: row.Operation, status: int(row.ResponseStatus),
			body: row.ResponseBody}
		if err := json.Unmarshal(row.ResponseHeaders, &g.stored.header); err != nil {
			o.rollback(ctx)
			return guarded{}, fmt.Errorf("error reading a stored response's headers: %w", err)
		}
	}
	if !g.locked || g.stored != nil {
		o.rollback(ctx)
		return g, nil
	}
	o.tx = txscope.New(conn.Conn())
	g.open = o
	return g, nil
}

// commit stores the response and commits, in one round trip, then releases the connection. On failure the
// transaction is rolled back: neither the work nor the response was stored.
func (o *open) commit(ctx context.Context, p *dbsqlc.IdempotencyKeyStoreParams) error {
	var b pgx.Batch
	b.Queue(dbsqlc.IdempotencyKeyStore, p.UserID, p.Key, p.Operation, p.RequestHash, p.ResponseStatus,
		string(p.ResponseHeaders), p.ResponseBody) // jsonb as text: pgx would send []byte as binary jsonb
	b.Queue("COMMIT")
	err := func() (err error) {
		br := o.conn.SendBatch(ctx, &b)
		defer func() {
			if cerr := br.Close(); err == nil {
				err = cerr
			}
		}()
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("error storing the response: %w", err)
		}
		tag, err := br.Exec()
		if err != nil {
			return fmt.Errorf("error committing: %w", err)
		}
		if tag.String() != "COMMIT" {
			return errors.New("error committing: the transaction had failed and was rolled back")
		}
		return nil
	}()
	if err != nil {
		o.rollback(ctx)
		return err
	}
	o.conn.Release()
	return nil
}

// rollback ends the transaction and releases the connection. A connection whose ROLLBACK failed is still in
// a transaction, and the pool closes it on release rather than reuse it.
func (o *open) rollback(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_, _ = o.conn.Exec(rctx, "ROLLBACK")
	o.conn.Release()
}
