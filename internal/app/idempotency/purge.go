package idempotency

import (
	"context"
	"fmt"
	"time"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// TTL is how long a key's response is answered; the purge deletes keys older than this.
const TTL = 24 * time.Hour

// Purge deletes the keys stored more than TTL before now from db and returns how many; the idempotency_purge
// job runs it. A key past TTL is no longer answered even before it is deleted (IdempotencyKeyGet).
func Purge(ctx context.Context, db dbsqlc.DBTX, now time.Time) (int64, error) {
	n, err := dbsqlc.New().IdempotencyKeysPurge(ctx, db, now.Add(-TTL))
	if err != nil {
		return 0, fmt.Errorf("error purging idempotency keys: %w", err)
	}
	return n, nil
}
