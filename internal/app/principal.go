package app

import (
	"context"

	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/identity"
)

type principalKey struct{}

// Principal is who made the request and with which token.
type Principal struct {
	User  *identity.User
	Token authcache.TokenHash
}

// WithPrincipal returns ctx carrying p; the security handler calls it once it has authenticated a request.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the authenticated caller. ogen runs the security handler before every operation that
// requires a token, so inside such an operation it is always present.
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}
