package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app/accounts"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/app/operator"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// userState is an app user as the audit log records it before and after a change: who it is and what the
// admin actions change (never a password hash or a token).
type userState struct {
	Email     string     `json:"email"`
	Name      string     `json:"name"`
	IsActive  bool       `json:"is_active"`
	Tier      string     `json:"tier"`
	TierUntil *time.Time `json:"tier_until"`
	// Tokens is how many tokens a deactivation revoked (after only).
	Tokens *int `json:"tokens_revoked,omitempty"`
}

func userStateOf(u *dbsqlc.AppUserGetRow) userState {
	return userState{Email: u.Email, Name: fullName(u.FirstName, u.LastName), IsActive: u.IsActive, Tier: u.Tier,
		TierUntil: u.TierUntil}
}

func fullName(first, last string) string {
	switch {
	case first == "":
		return last
	case last == "":
		return first
	default:
		return first + " " + last
	}
}

// AdminListUsers lists app users newest first, filtered by q (email or name) and active, one page and the
// total in one statement.
func (h *Handler) AdminListUsers(ctx context.Context, params adminoas.AdminListUsersParams) (adminoas.AdminListUsersRes, error) {
	pg, err := parseIDPage(params.Cursor, params.Limit)
	if err != nil {
		return nil, err
	}
	p := &dbsqlc.AppUserListParams{BeforeID: pg.beforeID, MaxRows: pg.rows(), Pattern: likePattern(params.Q)}
	if v, ok := params.Active.Get(); ok {
		p.Active = &v
	}
	rows, err := h.q.AppUserList(ctx, h.db, p)
	if err != nil {
		return nil, fmt.Errorf("error listing users: %w", err)
	}
	total, err := pg.total(len(rows), func() int64 { return rows[0].Total }, func() (int64, error) {
		p.BeforeID, p.MaxRows = nil, 1
		first, err := h.q.AppUserList(ctx, h.db, p)
		if err != nil || len(first) == 0 {
			return 0, err
		}
		return first[0].Total, nil
	})
	if err != nil {
		return nil, fmt.Errorf("error counting users: %w", err)
	}
	n, next := pg.next(len(rows), func(i int) int64 { return rows[i].ID })
	out := &adminoas.AppUserPage{Items: make([]adminoas.AppUser, 0, n), Total: total, NextCursor: next}
	for _, r := range rows[:n] {
		out.Items = append(out.Items, adminoas.AppUser{ID: r.ID, Email: r.Email, FirstName: r.FirstName,
			LastName: r.LastName, IsActive: r.IsActive, EmailVerified: r.EmailVerifiedAt != nil,
			LastLoginAt: nilDateTimeOf(r.LastLoginAt), CreatedAt: r.CreatedAt.UTC(), Tier: r.Tier})
	}
	return out, nil
}

// AdminGetUser shows one app user with their residences and roles, what they created, their devices and
// their tier.
func (h *Handler) AdminGetUser(ctx context.Context, params adminoas.AdminGetUserParams) (adminoas.AdminGetUserRes, error) {
	u, err := h.appUser(ctx, h.db, params.ID)
	if err != nil {
		return nil, err
	}
	return appUserDetail(u)
}

// appUser reads the user id with db; no such user is a 404.
func (h *Handler) appUser(ctx context.Context, db dbsqlc.DBTX, id int64) (*dbsqlc.AppUserGetRow, error) {
	u, err := h.q.AppUserGet(ctx, db, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apierror.NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("error reading a user: %w", err)
	}
	return u, nil
}

func appUserDetail(u *dbsqlc.AppUserGetRow) (*adminoas.AppUserDetail, error) {
	var residences []adminoas.AppUserResidence
	if err := json.Unmarshal(u.Residences, &residences); err != nil {
		return nil, fmt.Errorf("error decoding a user's residences: %w", err)
	}
	return &adminoas.AppUserDetail{
		User: adminoas.AppUser{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
			IsActive: u.IsActive, EmailVerified: u.EmailVerifiedAt != nil, LastLoginAt: nilDateTimeOf(u.LastLoginAt),
			CreatedAt: u.CreatedAt.UTC(), Tier: u.Tier},
		Timezone: u.Timezone, TierSource: u.TierSource, TierUntil: nilDateTimeOf(u.TierUntil),
		Residences: residences, Tasks: u.Tasks, Documents: u.Documents, Devices: u.Devices,
	}, nil
}

// AdminDeactivateUser deactivates the user as `homekeep users deactivate` does: every token is refused by
// every process once this answers.
func (h *Handler) AdminDeactivateUser(ctx context.Context, params adminoas.AdminDeactivateUserParams) (adminoas.AdminDeactivateUserRes, error) {
	return h.setUserActive(ctx, params.ID, false)
}

// AdminReactivateUser lets a deactivated user sign in again.
func (h *Handler) AdminReactivateUser(ctx context.Context, params adminoas.AdminReactivateUserParams) (adminoas.AdminReactivateUserRes, error) {
	return h.setUserActive(ctx, params.ID, true)
}

// setUserActive runs the activation change with its audit row, then, once committed, revokes the tokens it
// deleted and evicts the user on every process through operator.Revoke, as the command line does.
func (h *Handler) setUserActive(ctx context.Context, id int64, active bool) (*adminoas.AppUserDetail, error) {
	var (
		hashes [][]byte
		after  *dbsqlc.AppUserGetRow
	)
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.appUser(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		rows, err := h.q.AppUserSetActive(ctx, tx, &dbsqlc.AppUserSetActiveParams{ID: id, IsActive: active})
		if err != nil {
			return nil, fmt.Errorf("error changing whether a user is active: %w", err)
		}
		if len(rows) == 0 {
			return nil, apierror.NotFound("user") // deleted meanwhile
		}
		revoked := 0
		for _, r := range rows {
			if r.TokenHash != nil {
				hashes = append(hashes, r.TokenHash)
				revoked++
			}
		}
		if after, err = h.appUser(ctx, tx, id); err != nil {
			return nil, err
		}
		action, state := "user.reactivate", userStateOf(after)
		if !active {
			action, state.Tokens = "user.deactivate", &revoked
		}
		return []Change{{Action: action, TargetType: "user", TargetID: ID(id), Before: userStateOf(before), After: state}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := operator.Revoke(ctx, h.auth, id, hashes); err != nil {
		return nil, err
	}
	return appUserDetail(after)
}

// AdminSetUserTier grants the user a tier as `homekeep users set-tier` does (operator.SetTierByID).
func (h *Handler) AdminSetUserTier(ctx context.Context, req *adminoas.AppUserTierUpdate, params adminoas.AdminSetUserTierParams) (adminoas.AdminSetUserTierRes, error) {
	var until *time.Time
	if t, ok := req.Until.Get(); ok {
		t = t.UTC()
		until = &t
	}
	var after *dbsqlc.AppUserGetRow
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.appUser(ctx, tx, params.ID)
		if err != nil {
			return nil, err
		}
		found, err := operator.SetTierByID(ctx, tx, params.ID, string(req.Tier), until)
		if errors.Is(err, operator.ErrUnknownTier) {
			return nil, apierror.Validation(map[string]string{"tier": "must be free or pro"})
		}
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, apierror.NotFound("user")
		}
		if after, err = h.appUser(ctx, tx, params.ID); err != nil {
			return nil, err
		}
		return []Change{{Action: "user.set_tier", TargetType: "user", TargetID: ID(params.ID),
			Before: userStateOf(before), After: userStateOf(after)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return appUserDetail(after)
}

// AdminResetUserPassword queues the reset-code email the app's forgot-password sends
// (accounts.RequestPasswordReset). A deactivated user is refused (409 user_inactive): that email would never
// be sent.
func (h *Handler) AdminResetUserPassword(ctx context.Context, params adminoas.AdminResetUserPasswordParams) (adminoas.AdminResetUserPasswordRes, error) {
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		u, err := h.appUser(ctx, tx, params.ID)
		if err != nil {
			return nil, err
		}
		if !u.IsActive {
			return nil, apierror.Conflict("user_inactive", "the user is deactivated; reactivate them first")
		}
		if err := accounts.RequestPasswordReset(ctx, tx, u.Email); err != nil {
			return nil, err
		}
		return []Change{{Action: "user.password_reset", TargetType: "user", TargetID: ID(u.ID),
			After: userStateOf(u)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &adminoas.AdminResetUserPasswordAccepted{}, nil
}

// AdminDeleteUser deletes the user as their own account deletion does (accounts.DeleteUser, with its audit
// row), then, once committed, revokes their tokens, deletes their residences' files and evicts them on every
// process (accounts.Handler.FinishDeletion).
func (h *Handler) AdminDeleteUser(ctx context.Context, params adminoas.AdminDeleteUserParams) (adminoas.AdminDeleteUserRes, error) {
	var d *accounts.UserDeletion
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.appUser(ctx, tx, params.ID)
		if err != nil {
			return nil, err
		}
		d, err = accounts.DeleteUser(ctx, tx, params.ID)
		if errors.Is(err, dberr.ErrNotFound) {
			return nil, apierror.NotFound("user")
		}
		if err != nil {
			return nil, err
		}
		return []Change{{Action: "user.delete", TargetType: "user", TargetID: ID(params.ID), Before: userStateOf(before)}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := h.accounts.FinishDeletion(ctx, d); err != nil {
		return nil, err
	}
	return &adminoas.AdminDeleteUserNoContent{}, nil
}
