package app

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// SetUserActive activates or deactivates the account with this email for an operator. Deactivating
// revokes every token of the account and evicts the user on every process, as a logout would. It reports
// whether an account has this email.
func SetUserActive(ctx context.Context, pool *pgxpool.Pool, auth *authcache.Cache[*User], email string, active bool) (bool, error) {
	rows, err := dbsqlc.New().UserSetActive(ctx, pool, &dbsqlc.UserSetActiveParams{Email: email, IsActive: active})
	if err != nil {
		return false, fmt.Errorf("error updating account: %w", err)
	}
	if len(rows) == 0 {
		return false, nil
	}
	raw := make([][]byte, 0, len(rows))
	for _, r := range rows {
		if r.TokenHash != nil {
			raw = append(raw, r.TokenHash)
		}
	}
	if err := auth.RevokeTokens(ctx, toHashes(raw)...); err != nil {
		return true, err
	}
	return true, auth.EvictUser(ctx, rows[0].ID)
}
