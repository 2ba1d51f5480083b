package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/gen/oas"
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

// authenticate resolves a token to its active user. Warm, it is two in-memory lookups: the token's user id
// from valkey-go's client-side cache and the user from otter. Cold, it is ONE SQL statement that joins the
// token to its user; the caches are then filled in the background.
func (h *Handler) authenticate(ctx context.Context, token string) (context.Context, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxTokenLength {
		return ctx, errInvalidToken
	}
	th := authcache.HashToken(token)
	cachedID, tokenCached := h.auth.TokenUserID(ctx, th)
	if tokenCached {
		if u, ok := h.auth.User(cachedID); ok && u.IsActive {
			return withPrincipal(ctx, principal{user: u, token: th}), nil
		}
	}
	// A read, whatever the request: repeated once on a live connection if PostgreSQL had closed this one.
	row, err := h.q.AuthTokenUser(ctx, h.db.Reads(), th[:])
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return ctx, errInvalidToken
	}
	if err != nil {
		return ctx, fmt.Errorf("error looking up token: %w", err)
	}
	u := userFromRow(&row.User)
	if !tokenCached || cachedID != u.ID {
		// Rewriting a key that is already right would invalidate this process's own cached copy of it.
		h.auth.RememberToken(th, u.ID)
	}
	h.auth.RememberUser(u.ID, u)
	return withPrincipal(ctx, principal{user: u, token: th}), nil
}
