package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// adminAudit is an admin account as the audit log records it (never its password hash).
type adminAudit struct {
	Email    string `json:"email"`
	Role     string `json:"role"`
	IsActive bool   `json:"is_active"`
}

// AdminAccountList answers every admin account; every role may read it.
func (h *Handler) AdminAccountList(ctx context.Context) (adminoas.AdminAccountListRes, error) {
	rows, err := h.q.AdminUserList(ctx, h.db)
	if err != nil {
		return nil, fmt.Errorf("error listing admins: %w", err)
	}
	out := &adminoas.AdminAccountList{Items: make([]adminoas.AdminAccount, 0, len(rows))}
	for _, a := range rows {
		out.Items = append(out.Items, *adminAccountFromRow(a))
	}
	return out, nil
}

// AdminAccountDeactivate deactivates an admin and deletes its tokens in the same transaction, so it is
// refused from its next request. Only an owner may; an owner cannot deactivate itself or the last active
// owner (the active owners are locked first, so two owners deactivating each other at once cannot both win).
func (h *Handler) AdminAccountDeactivate(ctx context.Context, p adminoas.AdminAccountDeactivateParams) (adminoas.AdminAccountDeactivateRes, error) {
	if err := requireOwner(ctx); err != nil {
		return nil, err
	}
	if p.ID == PrincipalFrom(ctx).ID {
		return nil, apierror.Conflict("self", "an owner cannot deactivate itself")
	}
	var out *dbsqlc.AdminUser
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		owners, err := h.q.AdminUserLockActiveOwners(ctx, tx)
		if err != nil {
			return nil, fmt.Errorf("error locking the active owners: %w", err)
		}
		a, err := h.adminForUpdate(ctx, tx, p.ID)
		if err != nil {
			return nil, err
		}
		if a.Role == string(RoleOwner) && a.IsActive && len(owners) <= 1 && slices.Contains(owners, a.ID) {
			return nil, apierror.Conflict("last_owner", "the last active owner cannot be deactivated")
		}
		if out, err = h.q.AdminUserSetActive(ctx, tx, &dbsqlc.AdminUserSetActiveParams{ID: a.ID, IsActive: false}); err != nil {
			return nil, fmt.Errorf("error deactivating an admin: %w", err)
		}
		if _, err := h.q.AdminTokenDeleteOfAdmin(ctx, tx, a.ID); err != nil {
			return nil, fmt.Errorf("error revoking a deactivated admin's tokens: %w", err)
		}
		if !a.IsActive {
			return nil, nil // already inactive: nothing changed, nothing to log
		}
		return []Change{{Action: "admin.deactivate", TargetType: "admin_user", TargetID: ID(a.ID),
			Before: auditOfAdmin(a), After: auditOfAdmin(out)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return adminAccountFromRow(out), nil
}

// AdminAccountReactivate lets a deactivated admin sign in again; only an owner may.
func (h *Handler) AdminAccountReactivate(ctx context.Context, p adminoas.AdminAccountReactivateParams) (adminoas.AdminAccountReactivateRes, error) {
	if err := requireOwner(ctx); err != nil {
		return nil, err
	}
	var out *dbsqlc.AdminUser
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		a, err := h.adminForUpdate(ctx, tx, p.ID)
		if err != nil {
			return nil, err
		}
		if out, err = h.q.AdminUserSetActive(ctx, tx, &dbsqlc.AdminUserSetActiveParams{ID: a.ID, IsActive: true}); err != nil {
			return nil, fmt.Errorf("error reactivating an admin: %w", err)
		}
		if a.IsActive {
			return nil, nil
		}
		return []Change{{Action: "admin.reactivate", TargetType: "admin_user", TargetID: ID(a.ID),
			Before: auditOfAdmin(a), After: auditOfAdmin(out)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return adminAccountFromRow(out), nil
}

// PurgeExpiredTokens deletes the admin tokens that have expired (they are refused anyway) and returns how
// many; the periodic purge calls it so admin_tokens does not keep every sign-in forever.
func PurgeExpiredTokens(ctx context.Context, db dbsqlc.DBTX) (int64, error) {
	n, err := dbsqlc.New().AdminTokenDeleteExpired(ctx, db)
	if err != nil {
		return 0, fmt.Errorf("error deleting expired admin tokens: %w", err)
	}
	return n, nil
}

// requireOwner refuses (403) an admin who is not an owner: only owners manage admin accounts.
func requireOwner(ctx context.Context) error {
	if PrincipalFrom(ctx).Role != RoleOwner {
		return apierror.New(http.StatusForbidden, apierror.CodeForbidden, "only an owner may manage admin accounts")
	}
	return nil
}

func (h *Handler) adminForUpdate(ctx context.Context, tx pgx.Tx, id int64) (*dbsqlc.AdminUser, error) {
	a, err := h.q.AdminUserGetForUpdate(ctx, tx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apierror.NotFound("admin")
	}
	if err != nil {
		return nil, fmt.Errorf("error reading an admin: %w", err)
	}
	return a, nil
}

func auditOfAdmin(a *dbsqlc.AdminUser) adminAudit {
	return adminAudit{Email: a.Email, Role: a.Role, IsActive: a.IsActive}
}

func adminAccountFromRow(a *dbsqlc.AdminUser) *adminoas.AdminAccount {
	out := &adminoas.AdminAccount{ID: a.ID, Email: a.Email, Role: adminoas.AdminRole(a.Role), IsActive: a.IsActive,
		CreatedAt: a.CreatedAt.UTC(), LastSignInAt: adminoas.NilDateTime{Null: true}}
	if a.LastSignInAt != nil {
		out.LastSignInAt = adminoas.NewNilDateTime(a.LastSignInAt.UTC())
	}
	return out
}
