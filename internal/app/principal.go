package app

import (
	"context"

	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/identity"
)

type principalKey struct{}

// principal is who made the request and with which token.
type principal struct {
	user  *identity.User
	token authcache.TokenHash
}

func withPrincipal(ctx context.Context, p principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalFrom returns the authenticated caller. ogen runs the security handler before every operation that
// requires a token, so inside such an operation it is always present.
func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}
