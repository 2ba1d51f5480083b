// Package operator holds what an operator runs from the command line, outside any request: the actions on
// accounts (`homekeep users deactivate|activate`) and the read of the job queue (`homekeep jobs`). They are
// not answers to a user, so they live apart from the request handlers, and internal/service runs them with
// the caches they must reach.
package operator

import (
	"context"
	"fmt"

	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// Revoker is what a deactivation must reach besides PostgreSQL: the token and user caches of every running
// server (authcache.Cache provides it).
type Revoker interface {
	RevokeTokens(ctx context.Context, hashes ...authcache.TokenHash) error
	EvictUser(ctx context.Context, id int64) error
}

// SetUserActive activates or deactivates the account with this email (case-insensitively). Deactivating
// revokes every token of the account and evicts the user on every process, as a logout would; the
// revocation is also recorded in PostgreSQL in the same statement, so it reaches Valkey even when Valkey
// cannot be reached now. It reports whether an account has this email.
func SetUserActive(ctx context.Context, db dbsqlc.DBTX, caches Revoker, email string, active bool) (bool, error) {
	rows, err := dbsqlc.New().UserSetActive(ctx, db, &dbsqlc.UserSetActiveParams{Email: email, IsActive: active})
	if err != nil {
		return false, fmt.Errorf("error updating account: %w", err)
	}
	if len(rows) == 0 {
		return false, nil
	}
	hashes := make([][]byte, 0, len(rows))
	for _, r := range rows {
		hashes = append(hashes, r.TokenHash)
	}
	return true, Revoke(ctx, caches, rows[0].ID, hashes)
}

// Revoke is the cache half of an activation change, once its statement (UserSetActive, or the admin API's
// AppUserSetActive) has run: it revokes the tokens the statement deleted, by their hashes (a NULL hash, from
// an account without tokens, is skipped), and evicts the user, on every process. The command line and the
// admin API both end a deactivation with it, so both reach every process the same way.
func Revoke(ctx context.Context, caches Revoker, userID int64, tokenHashes [][]byte) error {
	hashes := make([]authcache.TokenHash, 0, len(tokenHashes))
	for _, raw := range tokenHashes {
		var h authcache.TokenHash
		if copy(h[:], raw) == len(h) { // a NULL hash: the account had no tokens
			hashes = append(hashes, h)
		}
	}
	if err := caches.RevokeTokens(ctx, hashes...); err != nil {
		return err
	}
	return caches.EvictUser(ctx, userID)
}
