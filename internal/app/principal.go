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
// requires a token, so inside such an operation it is always present, once a deferred authentication (see
// deferred_auth.go) has completed. Before that it panics: a handler that reads the caller before
// ReadAuthenticated is a bug, and must fail loudly rather than act for nobody.
func PrincipalFrom(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	if pa := pendingFrom(ctx); pa != nil {
		u, done := pa.completed()
		if !done {
			panic("app: PrincipalFrom while the request's authentication is pending; read through ReadAuthenticated first")
		}
		if u != nil {
			return Principal{User: u, Token: pa.token}
		}
	}
	return Principal{}
}
