package admin

import (
	"context"
	"net/http"

	"github.com/homekeep/homekeep/internal/apierror"
)

// Role is an admin's role: owner and admin may change things, viewer may only read.
type Role string

// The roles admin_users.role allows.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleViewer Role = "viewer"
)

// ParseRole returns the role named s, or false when there is none.
func ParseRole(s string) (Role, bool) {
	switch r := Role(s); r {
	case RoleOwner, RoleAdmin, RoleViewer:
		return r, true
	default:
		return "", false
	}
}

// Principal is the admin who made a request, and the hash of the token it came with (logout deletes it).
type Principal struct {
	ID    int64
	Email string
	Role  Role
	Token []byte
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the authenticated admin. The security handler runs before every operation that needs
// a token, so inside one the principal is always there; elsewhere the zero Principal (no role) comes back.
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// RequireWriter refuses, with 403 forbidden, an admin whose role may not change anything (a viewer, or no
// admin at all). Every handler that changes something calls it first; reads do not.
func RequireWriter(ctx context.Context) error {
	switch PrincipalFrom(ctx).Role {
	case RoleOwner, RoleAdmin:
		return nil
	default:
		return apierror.New(http.StatusForbidden, apierror.CodeForbidden, "a viewer may read but not change anything")
	}
}
