package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/accesscache"
	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/accounts"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/blobstore"
	"github.com/homekeep/homekeep/internal/boardversion"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/refcache"
	"github.com/homekeep/homekeep/internal/reqinfo"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// TokenTTLDefault is how long an admin token works after sign-in: a working day, so a forgotten session on a
// shared machine does not stay open.
const TokenTTLDefault = 12 * time.Hour

// maxTokenLength rejects oversized headers before hashing; real tokens are 43 characters.
const maxTokenLength = 200

// Deps are what the admin API needs.
type Deps struct {
	// DB is the pool as handlers use it; mutations run in its transactions with their audit rows.
	DB *dbpool.DB
	// Attempts limits sign-in like the app's login (AUTH_RATE_LIMIT), under its own rule name.
	Attempts  app.AttemptLimit
	Passwords PasswordParams
	// TokenTTL is how long a token works; zero means TokenTTLDefault.
	TokenTTL time.Duration

	Logger *slog.Logger
	// StaticData is the cached static data (lookups and templates): every lookup or template change
	// invalidates it, so every process serves the new document and ETag on its next request.
	StaticData *refcache.Cache
	// Paywall is the cached paywall document of GET /subscription: settings changes invalidate it.
	Paywall *refcache.Cache
	// Boards is bumped when what boards show changes (lookup names: BumpLookups; a residence's tasks).
	Boards *boardversion.Store
	// Auth caches tokens and users on every process; deactivation and deletion revoke through it.
	Auth *authcache.Cache
	// Access caches each user's residence ids; membership changes invalidate it.
	Access *accesscache.Cache
	// Files stores document files: deleting a user or residence deletes its files.
	Files *blobstore.Store
	// Accounts finishes an app user's deletion (caches and files) as self-deletion does.
	Accounts *accounts.Handler
	// Shared is the Valkey connection (nil without Valkey); clear-cache deletes under KeyPrefix with it.
	Shared    *valkeyconn.Conn
	KeyPrefix string
}

// Handler implements the generated admin server and its security handler.
type Handler struct {
	db        *dbpool.DB
	q         *dbsqlc.Queries
	attempts  app.AttemptLimit
	passwords *passwords
	tokenTTL  time.Duration

	log        *slog.Logger
	staticData *refcache.Cache
	paywall    *refcache.Cache
	boards     *boardversion.Store
	auth       *authcache.Cache
	access     *accesscache.Cache
	files      *blobstore.Store
	shared     *valkeyconn.Conn
	keyPrefix  string
	accounts   *accounts.Handler
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
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{db: d.DB, q: dbsqlc.New(), attempts: d.Attempts, passwords: p, tokenTTL: ttl,
		log: log, staticData: d.StaticData, paywall: d.Paywall, boards: d.Boards, auth: d.Auth, access: d.Access,
		files: d.Files, shared: d.Shared, keyPrefix: d.KeyPrefix, accounts: d.Accounts}, nil
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
		// A failed attempt is logged with the email it named (lower-cased), whether or not an admin has it.
		if err := h.record(ctx, h.db, Principal{Email: email}, Change{Action: "admin.sign_in_failed",
			TargetType: "admin_user", TargetID: strings.ToLower(email)}); err != nil {
			return nil, err
		}
		return nil, errInvalidCredentials()
	}
	token := newToken()
	expires := time.Now().Add(h.tokenTTL).UTC().Truncate(time.Second)
	// The token, the sign-in time and its audit row commit together.
	err = pgx.BeginFunc(ctx, h.db, func(tx pgx.Tx) error {
		if err := h.q.AdminTokenCreate(ctx, tx, &dbsqlc.AdminTokenCreateParams{
			TokenHash: hashToken(token), AdminUserID: a.ID, ExpiresAt: expires}); err != nil {
			return fmt.Errorf("error storing an admin token: %w", err)
		}
		if err := h.q.AdminUserSignedIn(ctx, tx, a.ID); err != nil {
			return fmt.Errorf("error recording an admin's sign-in: %w", err)
		}
		return h.record(ctx, tx, Principal{ID: a.ID, Email: a.Email}, Change{Action: "admin.sign_in",
			TargetType: "admin_user", TargetID: ID(a.ID)})
	})
	if err != nil {
		return nil, err
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
