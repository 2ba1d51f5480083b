package residences

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// ListResidenceMembers lists who shares the residence; any member may.
func (h *Handler) ListResidenceMembers(ctx context.Context, params oas.ListResidenceMembersParams) (oas.ListResidenceMembersRes, error) {
	out, err := h.members(ctx, params.ID)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// members lists the members of a residence the caller belongs to, or 404.
func (h *Handler) members(ctx context.Context, residenceID int64) (oas.ListResidenceMembersOKApplicationJSON, error) {
	user := app.PrincipalFrom(ctx).User
	rows, err := h.q.ResidenceMemberList(ctx, h.db, &dbsqlc.ResidenceMemberListParams{ResidenceID: residenceID, UserID: user.ID})
	if err != nil {
		return nil, fmt.Errorf("error listing members: %w", err)
	}
	if len(rows) == 0 {
		return nil, apierror.NotFound("residence")
	}
	out := make(oas.ListResidenceMembersOKApplicationJSON, len(rows))
	for i, r := range rows {
		out[i] = oas.Member{UserID: r.UserID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName,
			Role: oas.ResidenceRole(r.Role), JoinedAt: r.JoinedAt.UTC()}
	}
	return out, nil
}

// roles explains a refused membership change.
func (h *Handler) roles(ctx context.Context, residenceID, userID, memberID int64) (caller, member string, err error) {
	r, err := h.q.ResidenceMemberRoles(ctx, h.db, &dbsqlc.ResidenceMemberRolesParams{
		ResidenceID: residenceID, UserID: userID, MemberID: memberID})
	if err != nil {
		return "", "", fmt.Errorf("error reading roles: %w", err)
	}
	return r.CallerRole, r.MemberRole, nil
}

// UpdateResidenceMember changes a member's role; only the owner may, and never the owner's own role.
func (h *Handler) UpdateResidenceMember(ctx context.Context, req *oas.MemberRoleUpdate, params oas.UpdateResidenceMemberParams) (oas.UpdateResidenceMemberRes, error) {
	user := app.PrincipalFrom(ctx).User
	n, err := h.q.ResidenceMemberSetRole(ctx, h.db, &dbsqlc.ResidenceMemberSetRoleParams{
		ResidenceID: params.ID, MemberID: params.UserID, UserID: user.ID, Role: string(req.Role)})
	if err != nil {
		return nil, fmt.Errorf("error changing role: %w", err)
	}
	if n == 0 {
		caller, member, err := h.roles(ctx, params.ID, user.ID, params.UserID)
		switch {
		case err != nil:
			return nil, err
		case caller == "":
			return nil, apierror.NotFound("residence")
		case caller != "owner":
			return nil, app.ErrForbidden
		case member == "":
			return nil, apierror.NotFound("member")
		default:
			return nil, apierror.BadRequest("owner_role_fixed",
				"the owner's role changes only by transferring ownership", map[string]string{"user_id": "is the owner"})
		}
	}
	h.boards.Changed(ctx, params.ID)
	h.invalidateAccess(ctx, user.ID, params.UserID)
	members, err := h.members(ctx, params.ID)
	if err != nil {
		return nil, err
	}
	for i := range members {
		if members[i].UserID == params.UserID {
			return &members[i], nil
		}
	}
	return nil, apierror.NotFound("member")
}

// RemoveResidenceMember removes a member (owner) or leaves (any member removing themself). The owner cannot
// leave without transferring first.
func (h *Handler) RemoveResidenceMember(ctx context.Context, params oas.RemoveResidenceMemberParams) (oas.RemoveResidenceMemberRes, error) {
	user := app.PrincipalFrom(ctx).User
	n, err := h.q.ResidenceMemberRemove(ctx, h.db, &dbsqlc.ResidenceMemberRemoveParams{
		ResidenceID: params.ID, MemberID: params.UserID, UserID: user.ID})
	if err != nil {
		return nil, fmt.Errorf("error removing member: %w", err)
	}
	if n == 0 {
		caller, member, err := h.roles(ctx, params.ID, user.ID, params.UserID)
		switch {
		case err != nil:
			return nil, err
		case caller == "":
			return nil, apierror.NotFound("residence")
		case member == "owner" && params.UserID == user.ID:
			return nil, apierror.BadRequest("owner_cannot_leave",
				"the owner cannot leave; transfer ownership to another member first", nil)
		case caller != "owner":
			return nil, app.ErrForbidden
		default:
			return nil, apierror.NotFound("member")
		}
	}
	h.boards.Changed(ctx, params.ID) // the member's tasks there may have lost their assignee
	h.invalidateAccess(ctx, params.UserID)
	return &oas.RemoveResidenceMemberNoContent{}, nil
}

// errTransferRaced rolls back a transfer whose new owner left while it ran.
var errTransferRaced = errors.New("transfer raced a membership change")

// TransferResidence hands ownership to another member; only the owner may.
func (h *Handler) TransferResidence(ctx context.Context, req *oas.TransferRequest, params oas.TransferResidenceParams) (oas.TransferResidenceRes, error) {
	user := app.PrincipalFrom(ctx).User
	// In a transaction because the statement must change exactly two rows: if the new owner left while it
	// ran, only the old owner's row would change, leaving a residence whose owner is not a member.
	var n int64
	err := pgx.BeginFunc(ctx, h.db, func(tx pgx.Tx) error {
		var err error
		n, err = h.q.ResidenceTransfer(ctx, tx, &dbsqlc.ResidenceTransferParams{
			ResidenceID: params.ID, UserID: user.ID, NewOwnerID: req.UserID})
		if err == nil && n != 0 && n != 2 {
			n = 0
			return errTransferRaced
		}
		return err
	})
	if err != nil && !errors.Is(err, errTransferRaced) {
		return nil, fmt.Errorf("error transferring residence: %w", err)
	}
	if n == 0 {
		caller, member, err := h.roles(ctx, params.ID, user.ID, req.UserID)
		switch {
		case err != nil:
			return nil, err
		case caller == "":
			return nil, apierror.NotFound("residence")
		case caller != "owner":
			return nil, app.ErrForbidden
		case req.UserID == user.ID:
			return nil, apierror.Validation(map[string]string{"user_id": "is already the owner"})
		case member == "":
			return nil, apierror.Validation(map[string]string{"user_id": "is not a member of this residence"})
		default:
			return nil, fmt.Errorf("error transferring residence: nothing changed")
		}
	}
	h.boards.Changed(ctx, params.ID)
	h.invalidateAccess(ctx, user.ID, req.UserID)
	return h.getResidence(ctx, user.ID, params.ID)
}
