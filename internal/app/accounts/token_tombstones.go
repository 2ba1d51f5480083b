package accounts

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// TombstoneStore is authcache's durable record of revocations: the token_tombstones rows that every
// revoking statement (logout, password change and reset, account deletion, deactivation) writes in the same
// statement as the revocation.
type TombstoneStore struct {
	pool *pgxpool.Pool
	q    *dbsqlc.Queries
}

var _ authcache.TombstoneStore = (*TombstoneStore)(nil)

// NewTombstoneStore returns the store over pool.
func NewTombstoneStore(pool *pgxpool.Pool) *TombstoneStore {
	return &TombstoneStore{pool: pool, q: dbsqlc.New()}
}

// PendingTombstones implements authcache.TombstoneStore.
func (s *TombstoneStore) PendingTombstones(ctx context.Context, limit int) ([]authcache.TokenHash, error) {
	raw, err := s.q.TokenTombstoneList(ctx, s.pool, int32(min(max(limit, 0), math.MaxInt32)))
	if err != nil {
		return nil, fmt.Errorf("error listing token tombstones: %w", err)
	}
	return toHashes(raw), nil
}

// DeleteTombstones implements authcache.TombstoneStore.
func (s *TombstoneStore) DeleteTombstones(ctx context.Context, hashes []authcache.TokenHash) error {
	raw := make([][]byte, len(hashes))
	for i := range hashes {
		raw[i] = hashes[i][:]
	}
	if err := s.q.TokenTombstoneDelete(ctx, s.pool, raw); err != nil {
		return fmt.Errorf("error deleting token tombstones: %w", err)
	}
	return nil
}

// DeleteTombstonesBefore implements authcache.TombstoneStore.
func (s *TombstoneStore) DeleteTombstonesBefore(ctx context.Context, cutoff time.Time) error {
	if _, err := s.q.TokenTombstoneDeleteBefore(ctx, s.pool, cutoff); err != nil {
		return fmt.Errorf("error deleting old token tombstones: %w", err)
	}
	return nil
}
