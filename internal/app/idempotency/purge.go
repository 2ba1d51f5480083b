package idempotency

import (
	"context"
	"fmt"
	"time"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// TTL is how long a key's response is answered; the purge deletes keys older than this.
const TTL = 24 * time.Hour

// Purge deletes the keys stored more than TTL before now and returns how many; the idempotency_purge job runs
// it. A key past TTL is no longer answered even before it is deleted (IdempotencyKeyGet).
func (k *Keys) Purge(ctx context.Context, now time.Time) (int64, error) {
	n, err := dbsqlc.New().IdempotencyKeysPurge(ctx, k.db, now.Add(-TTL))
	if err != nil {
		return 0, fmt.Errorf("error purging idempotency keys: %w", err)
	}
	return n, nil
}
