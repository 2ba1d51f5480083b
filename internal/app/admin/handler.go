package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/reqinfo"
)

// TokenTTLDefault is how long an admin token works after sign-in: a working day, so a forgotten session on a
// shared machine does not stay open.
const TokenTTLDefault = 12 * time.Hour

// maxTokenLength rejects oversized headers before hashing; real tokens are 43 characters.
const maxTokenLength = 200

// Deps are what the admin API needs.
type Deps struct {
	DB dbsqlc.DBTX
	// Attempts limits sign-in like the app's login (AUTH_RATE_LIMIT), under its own rule name.
	Attempts  app.AttemptLimit
	Passwords PasswordParams
	// TokenTTL is how long a token works; zero means TokenTTLDefault.
	TokenTTL time.Duration
}

// Handler implements the generated admin server and its security handler.
type Handler struct {
	db        dbsqlc.DBTX
	q         *dbsqlc.Queries
	attempts  app.AttemptLimit
	passwords *passwords
	tokenTTL  time.Duration
}

// New returns the admin API's handler.
func New(d Deps) (*Handler, error) {
	p, err := newPasswords(d.Passwords)
	if err != nil {
		return nil, err
	}
	ttl := d.TokenTTL
	if ttl <= 0 {
		ttl = TokenTTLDefault
	}
	return &Handler{db: d.DB, q: dbsqlc.New(), attempts: d.Attempts, passwords: p, tokenTTL: ttl}, nil
}

var (
	_ adminoas.Handler         = (*Handler)(nil)
	_ adminoas.SecurityHandler = (*Handler)(nil)
)

func errInvalidCredentials() error {
	return apierror.Unauthorized("invalid_credentials", "the email or password is wrong")
}

func errInvalidToken() error {
	return apierror.Unauthorized(apierror.CodeUnauthorized, "the admin token is missing, unknown, expired or revoked")
}

// AdminLogin signs an admin in: a wrong password, an unknown email and an inactive admin get the same 401.
func (h *Handler) AdminLogin(ctx context.Context, req *adminoas.AdminLoginRequest) (adminoas.AdminLoginRes, error) {
	email := strings.TrimSpace(req.Email)
	if err := h.attempts.Check(ctx, "admin-login", "ip:"+reqinfo.From(ctx).IP, "email:"+strings.ToLower(email)); err != nil {
		return nil, err
	}
	a, err := h.q.AdminUserGetByEmail(ctx, h.db, email)
	hash := ""
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("error looking up an admin by email: %w", err)
	case a.IsActive:
		hash = a.PasswordHash
	}
	ok, err := h.passwords.matches(ctx, req.Password, hash)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errInvalidCredentials()
	}
	token := newToken()
	expires := time.Now().Add(h.tokenTTL).UTC().Truncate(time.Second)
	if err := h.q.AdminTokenCreate(ctx, h.db, &dbsqlc.AdminTokenCreateParams{
		TokenHash: hashToken(token), AdminUserID: a.ID, ExpiresAt: expires}); err != nil {
		return nil, fmt.Errorf("error storing an admin token: %w", err)
	}
	if err := h.q.AdminUserSignedIn(ctx, h.db, a.ID); err != nil {
		return nil, fmt.Errorf("error recording an admin's sign-in: %w", err)
	}
	return &adminoas.AdminLoginResponse{Token: token, ExpiresAt: expires,
		Admin: adminoas.Admin{Email: a.Email, Role: adminoas.AdminRole(a.Role)}}, nil
}

// AdminLogout revokes the request's token by deleting it.
func (h *Handler) AdminLogout(ctx context.Context) (adminoas.AdminLogoutRes, error) {
	if err := h.q.AdminTokenDelete(ctx, h.db, PrincipalFrom(ctx).Token); err != nil {
		return nil, fmt.Errorf("error revoking an admin token: %w", err)
	}
	return &adminoas.AdminLogoutNoContent{}, nil
}

// AdminMe answers who the token belongs to; every role may call it.
func (h *Handler) AdminMe(ctx context.Context) (adminoas.AdminMeRes, error) {
	p := PrincipalFrom(ctx)
	return &adminoas.Admin{Email: p.Email, Role: adminoas.AdminRole(p.Role)}, nil
}

// HandleBearerAuth authenticates an admin token: it must be in admin_tokens, unexpired, and its admin active.
// An app token is not in admin_tokens, so it is refused here like any unknown token.
func (h *Handler) HandleBearerAuth(ctx context.Context, _ adminoas.OperationName, t adminoas.BearerAuth) (context.Context, error) {
	token := strings.TrimSpace(t.Token)
	if token == "" || len(token) > maxTokenLength {
		return ctx, errInvalidToken()
	}
	th := hashToken(token)
	row, err := h.q.AdminTokenUser(ctx, h.db, th)
	if errors.Is(err, pgx.ErrNoRows) {
		return ctx, errInvalidToken()
	}
	if err != nil {
		return ctx, fmt.Errorf("error looking up an admin token: %w", err)
	}
	a := row.AdminUser
	return withPrincipal(ctx, Principal{ID: a.ID, Email: a.Email, Role: Role(a.Role), Token: th}), nil
}
