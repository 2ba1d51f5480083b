package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// UserDeletion is an account deleted by DeleteUser whose caches and files are still to be dealt with, which
// FinishDeletion does once the deleting transaction has committed (before it, a process could read the user
// or the files back).
type UserDeletion struct {
	userID int64
	row    *dbsqlc.UserDeleteRow
}

// DeleteUser deletes the account id with db, the transaction of the caller (an admin's, with its audit
// row) or the pool: its tokens are recorded as revoked, the residences it owns go with everything in them,
// and its personal contractors go. It returns dberr.ErrNotFound when there is no such account. Self-deletion
// (DeleteMe) and the admin API's user deletion both go through it, so both delete the same things.
func DeleteUser(ctx context.Context, db dbsqlc.DBTX, id int64) (*UserDeletion, error) {
	row, err := dbsqlc.New().UserDelete(ctx, db, id)
	if err = dberr.Interpret(err); err != nil {
		if errors.Is(err, dberr.ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("error deleting user: %w", err)
	}
	return &UserDeletion{userID: id, row: row}, nil
}

// FinishDeletion does what follows a committed DeleteUser: it bumps the boards whose cards showed the user,
// revokes the user's tokens (and also, the token of the request that deleted itself) on every process,
// deletes the files of the documents that went with the residences, and evicts the user from every
// process's cache.
func (h *Handler) FinishDeletion(ctx context.Context, d *UserDeletion, also ...authcache.TokenHash) error {
	h.boards.Changed(ctx, d.row.BoardResidenceIds...)
	if err := h.auth.RevokeTokens(ctx, append(toHashes(d.row.TokenHashes), also...)...); err != nil {
		return err
	}
	if len(d.row.StorageKeys) > 0 {
		app.DeleteFiles(ctx, h.files, h.log, d.row.StorageKeys...)
	}
	if err := h.auth.EvictUser(ctx, d.userID); err != nil {
		// The account is gone and its tokens are revoked durably, so no process can authenticate it again; a
		// process that kept a copy of the user only holds it until its cache entry expires.
		h.log.WarnContext(ctx, "could not evict the deleted user from other processes", "user_id", d.userID, "error", err)
	}
	return nil
}
