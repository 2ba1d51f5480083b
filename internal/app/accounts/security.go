package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/identity"
)

// maxTokenLength rejects oversized headers before hashing; real tokens are 43 characters.
const maxTokenLength = 200

var errInvalidToken = apierror.Unauthorized(apierror.CodeUnauthorized, "the token is invalid or has been revoked")

// HandleBearerAuth authenticates `Authorization: Bearer <token>`.
func (h *Handler) HandleBearerAuth(ctx context.Context, _ oas.OperationName, t oas.BearerAuth) (context.Context, error) {
	return h.authenticate(ctx, t.Token)
}

// HandleTokenAuth authenticates `Authorization: Token <token>`. ogen offers it the raw header for every
// request, including Bearer ones, which HandleBearerAuth has already authenticated; those are skipped so a
// request is never looked up twice.
func (h *Handler) HandleTokenAuth(ctx context.Context, _ oas.OperationName, t oas.TokenAuth) (context.Context, error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(t.APIKey), " ")
	if !ok || !strings.EqualFold(scheme, "Token") {
		return ctx, ogenerrors.ErrSkipServerSecurity
	}
	return h.authenticate(ctx, token)
}

// authenticate resolves a token to its active user through the auth cache (authcache.Resolve), which
// decides when to fill; cold, the lookup is ONE SQL statement that joins the token to its user.
func (h *Handler) authenticate(ctx context.Context, token string) (context.Context, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxTokenLength {
		return ctx, errInvalidToken
	}
	th := authcache.HashToken(token)
	u, err := h.auth.Resolve(ctx, th, func(ctx context.Context) (*identity.User, error) {
		// A read, whatever the request: repeated once on a live connection if PostgreSQL had closed this one.
		row, err := h.q.AuthTokenUser(ctx, h.db.Reads(), th[:])
		err = dberr.Interpret(err)
		if errors.Is(err, dberr.ErrNotFound) {
			return nil, errInvalidToken
		}
		if err != nil {
			return nil, fmt.Errorf("error looking up token: %w", err)
		}
		return userFromRow(&row.User), nil
	})
	if err != nil {
		return ctx, err
	}
	return app.WithPrincipal(ctx, app.Principal{User: u, Token: th}), nil
}
