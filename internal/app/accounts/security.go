package accounts

import (
	"context"
	"strings"

	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// maxTokenLength rejects oversized headers before hashing; real tokens are 43 characters.
const maxTokenLength = 200

// errInvalidToken refuses a token that is unknown, revoked or whose user is inactive.
var errInvalidToken = app.ErrInvalidToken

// HandleBearerAuth authenticates `Authorization: Bearer <token>`.
func (h *Handler) HandleBearerAuth(ctx context.Context, op oas.OperationName, t oas.BearerAuth) (context.Context, error) {
	return h.authenticate(ctx, op, t.Token)
}

// HandleTokenAuth authenticates `Authorization: Token <token>`. ogen offers it the raw header for every
// request, including Bearer ones, which HandleBearerAuth has already authenticated; those are skipped so a
// request is never looked up twice.
func (h *Handler) HandleTokenAuth(ctx context.Context, op oas.OperationName, t oas.TokenAuth) (context.Context, error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(t.APIKey), " ")
	if !ok || !strings.EqualFold(scheme, "Token") {
		return ctx, ogenerrors.ErrSkipServerSecurity
	}
	return h.authenticate(ctx, op, token)
}

// authenticate resolves a token to its active user through the auth cache. Cold, the lookup is ONE SQL
// statement that joins the token to its user (app.TokenUser), and the user is cached with the guards the
// cache lookup saw (authcache.Miss). For the hot reads (app.DefersAuthentication) that statement is not run
// here: the request carries the pending authentication, and the handler sends it in the same round trip as
// its own statement (app.ReadAuthenticated), so a token Valkey forgot costs one round trip, not two.
func (h *Handler) authenticate(ctx context.Context, op oas.OperationName, token string) (context.Context, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxTokenLength {
		return ctx, errInvalidToken
	}
	th := authcache.HashToken(token)
	u, miss := h.auth.Begin(ctx, th)
	if miss != nil {
		if app.DefersAuthentication(op) {
			return app.WithPendingAuthentication(ctx, th, miss, h.db), nil
		}
		var err error
		if u, err = app.TokenUser(ctx, h.db, th); err != nil {
			return ctx, err
		}
		miss.Complete(u)
	}
	return app.WithPrincipal(ctx, app.Principal{User: u, Token: th}), nil
}
