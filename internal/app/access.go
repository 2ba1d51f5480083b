package app

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/homekeep/homekeep/internal/accesscache"
	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// ErrForbidden refuses a caller who can see a residence but whose role there does not allow the change.
var ErrForbidden = apierror.New(http.StatusForbidden, apierror.CodeForbidden,
	"your role in this residence does not allow this")

// Access answers which residences a user can access, for the groups whose reads and refusals depend on it
// (residences, the residence board, contractors, documents): from the access cache when warm, else from
// PostgreSQL (and then cached). Every query that reads or writes a residence checks membership in SQL
// itself; the list only picks which ids to query and whether a refusal is 403 or 404.
type Access struct {
	db    *dbpool.DB
	q     *dbsqlc.Queries
	cache *accesscache.Cache
}

// NewAccess returns the access answers over db and cache.
func NewAccess(db *dbpool.DB, cache *accesscache.Cache) *Access {
	return &Access{db: db, q: dbsqlc.New(), cache: cache}
}

// ResidenceIDs returns the residences the user can access.
func (a *Access) ResidenceIDs(ctx context.Context, userID int64) ([]int64, error) {
	ids, ok, fill := a.cache.Lookup(ctx, userID)
	if ok {
		return ids, nil
	}
	ids, err := a.q.ResidenceIDsForUser(ctx, a.db, userID)
	if err != nil {
		return nil, fmt.Errorf("error listing residence access: %w", err)
	}
	a.cache.Store(fill, ids)
	return ids, nil
}

// Refusal explains why a write to a residence affected nothing: 403 when the caller can see the residence
// (their role is too low), 404 when they cannot (its existence is not revealed).
func (a *Access) Refusal(ctx context.Context, userID, residenceID int64) error {
	ids, err := a.ResidenceIDs(ctx, userID)
	if err != nil {
		return err
	}
	if slices.Contains(ids, residenceID) {
		return ErrForbidden
	}
	return apierror.NotFound("residence")
}

// Invalidate forgets the users' cached residence lists everywhere, after a membership change committed.
func (a *Access) Invalidate(ctx context.Context, userIDs ...int64) error {
	return a.cache.Invalidate(ctx, userIDs...)
}
