package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/jobs"
	"github.com/homekeep/homekeep/internal/reqinfo"
	"github.com/homekeep/homekeep/internal/telemetry"
)

// codeTTL is how long an emailed code, and a reset token, stay valid.
const codeTTL = 15 * time.Minute

var errInvalidCredentials = apierror.Unauthorized("invalid_credentials", "the email or password is wrong")

// clientLabel names the device a token was issued to, from its User-Agent.
func clientLabel(ctx context.Context) string {
	ua := reqinfo.From(ctx).UserAgent
	if len(ua) > 200 {
		ua = ua[:200]
	}
	return ua
}

// Register creates the account, its first token and the job that emails its verification code in one
// statement.
func (h *Handler) Register(ctx context.Context, req *oas.RegisterRequest) (oas.RegisterRes, error) {
	f := app.FieldErrors{}
	email := app.NormalizeEmail(f, "email", req.Email)
	checkNewPassword(f, "password", req.Password)
	first := app.CheckName(f, "first_name", req.FirstName.Or(""))
	last := app.CheckName(f, "last_name", req.LastName.Or(""))
	tz := req.Timezone.Or("UTC")
	app.CheckTimezone(f, "timezone", tz)
	if err := f.Err(); err != nil {
		return nil, err
	}
	hash, err := h.passwords.hash(ctx, req.Password)
	if err != nil {
		return nil, err
	}
	token, job := randomToken(), jobs.EmailCodeInsert
	row, err := h.q.UserRegister(ctx, h.db, &dbsqlc.UserRegisterParams{
		Email: email, PasswordHash: hash, FirstName: first, LastName: last, Timezone: tz, TimezoneSet: req.Timezone.Set,
		TokenHash: sha256Of(token), ClientLabel: clientLabel(ctx),
		JobKind: job.Kind, JobQueue: job.Queue, JobMaxAttempts: job.MaxAttempts, JobMetadata: telemetry.JobMetadata(ctx),
	})
	err = dberr.Interpret(err)
	if dberr.IsUnique(err, dberr.UsersEmailLowerKey) {
		return nil, apierror.Conflict("email_taken", "an account with this email already exists")
	}
	if err != nil {
		return nil, fmt.Errorf("error registering user: %w", err)
	}
	u := userFromRow((*dbsqlc.User)(row))
	h.auth.Remember(authcache.HashToken(token), u)
	return &oas.AuthResponse{Token: token, User: *userResponse(u)}, nil
}

// Login exchanges email and password for a new token. A wrong password and an unknown email answer the
// same and take the same time (the unknown email is checked against a dummy hash).
func (h *Handler) Login(ctx context.Context, req *oas.LoginRequest) (oas.LoginRes, error) {
	email := strings.TrimSpace(req.Email)
	if err := h.attempts.Check(ctx, "login", "ip:"+reqinfo.From(ctx).IP, "email:"+strings.ToLower(email)); err != nil {
		return nil, err
	}
	row, err := h.q.UserGetByEmail(ctx, h.db, email)
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		h.passwords.burn(ctx, req.Password)
		return nil, errInvalidCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("error looking up user: %w", err)
	}
	match, rehash, err := h.passwords.check(ctx, req.Password, row.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !match || !row.IsActive {
		return nil, errInvalidCredentials
	}
	if rehash {
		if newHash, err := h.passwords.hash(ctx, req.Password); err == nil {
			if err := h.q.UserUpdatePasswordHash(ctx, h.db, &dbsqlc.UserUpdatePasswordHashParams{ID: row.ID, PasswordHash: newHash}); err != nil {
				h.log.WarnContext(ctx, "could not upgrade password hash", "user_id", row.ID, "error", err)
			}
		}
	}
	token := randomToken()
	row, err = h.q.UserLogin(ctx, h.db, &dbsqlc.UserLoginParams{
		ID: row.ID, TokenHash: sha256Of(token), ClientLabel: clientLabel(ctx)})
	if err != nil {
		return nil, fmt.Errorf("error issuing token: %w", err)
	}
	u := userFromRow(row)
	h.auth.Remember(authcache.HashToken(token), u)
	return &oas.AuthResponse{Token: token, User: *userResponse(u)}, nil
}

// Logout revokes the token the request was made with, on every process. The statement that deletes it also
// records the revocation, so it reaches Valkey even if Valkey cannot be told now.
func (h *Handler) Logout(ctx context.Context) (oas.LogoutRes, error) {
	p := app.PrincipalFrom(ctx)
	if err := h.q.AuthTokenRevoke(ctx, h.db, p.Token[:]); err != nil {
		return nil, fmt.Errorf("error deleting token: %w", err)
	}
	if err := h.auth.RevokeTokens(ctx, p.Token); err != nil {
		return nil, err
	}
	return &oas.LogoutNoContent{}, nil
}

// GetMe returns the caller; warm, it runs no SQL at all.
func (h *Handler) GetMe(ctx context.Context) (oas.GetMeRes, error) {
	return userResponse(app.PrincipalFrom(ctx).User), nil
}

// UpdateMe changes the fields present and evicts the cached user on every process.
func (h *Handler) UpdateMe(ctx context.Context, req *oas.UpdateMeRequest) (oas.UpdateMeRes, error) {
	f := app.FieldErrors{}
	params := &dbsqlc.UserUpdateProfileParams{ID: app.PrincipalFrom(ctx).User.ID}
	if v, ok := req.FirstName.Get(); ok {
		v = app.CheckName(f, "first_name", v)
		params.FirstName = &v
	}
	if v, ok := req.LastName.Get(); ok {
		v = app.CheckName(f, "last_name", v)
		params.LastName = &v
	}
	if v, ok := req.Timezone.Get(); ok {
		app.CheckTimezone(f, "timezone", v)
		params.Timezone = &v
	}
	if v, ok := req.DaysThreshold.Get(); ok {
		params.DaysThreshold = &v // 1..365, checked by the generated decoder and the column's constraint
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	row, err := h.q.UserUpdateProfile(ctx, h.db, params)
	if err != nil {
		return nil, fmt.Errorf("error updating profile: %w", err)
	}
	if params.FirstName != nil || params.LastName != nil {
		h.boards.Changed(ctx, row.AssignedResidenceIds...) // the cards of the user's tasks show the name
	}
	if err := h.auth.EvictUser(ctx, row.ID); err != nil {
		return nil, err
	}
	u := userFromRow(profileUser(row))
	h.auth.RememberUser(u)
	return userResponse(u), nil
}

// DeleteMe deletes the account (what it owns cascades) and revokes all its tokens everywhere, then deletes
// the files of the documents that went with its residences before answering (the orphan sweep is only the
// safety net for a file whose deletion fails).
func (h *Handler) DeleteMe(ctx context.Context) (oas.DeleteMeRes, error) {
	p := app.PrincipalFrom(ctx)
	d, err := DeleteUser(ctx, h.db, p.User.ID)
	if errors.Is(err, dberr.ErrNotFound) {
		d, err = &UserDeletion{userID: p.User.ID, row: &dbsqlc.UserDeleteRow{}}, nil // deleted meanwhile by another request
	}
	if err != nil {
		return nil, err
	}
	if err := h.FinishDeletion(ctx, d, p.Token); err != nil {
		return nil, err
	}
	return &oas.DeleteMeNoContent{}, nil
}

// ChangePassword checks the current password, sets the new one, and revokes every other token of the user.
func (h *Handler) ChangePassword(ctx context.Context, req *oas.ChangePasswordRequest) (oas.ChangePasswordRes, error) {
	p := app.PrincipalFrom(ctx)
	f := app.FieldErrors{}
	checkNewPassword(f, "new_password", req.NewPassword)
	if err := f.Err(); err != nil {
		return nil, err
	}
	row, err := h.q.UserGetActive(ctx, h.db, p.User.ID)
	if err != nil {
		return nil, fmt.Errorf("error loading user: %w", err)
	}
	match, _, err := h.passwords.check(ctx, req.CurrentPassword, row.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !match {
		return nil, apierror.BadRequest("wrong_password", "the current password is wrong",
			map[string]string{"current_password": "is wrong"})
	}
	if err := h.setPassword(ctx, p.User.ID, req.NewPassword, p.Token[:]); err != nil {
		return nil, err
	}
	return &oas.ChangePasswordNoContent{}, nil
}

// setPassword stores a new password hash and revokes every token of the user except keep (nil: all).
func (h *Handler) setPassword(ctx context.Context, userID int64, password string, keep []byte) error {
	hash, err := h.passwords.hash(ctx, password)
	if err != nil {
		return err
	}
	revoked, err := h.q.UserSetPassword(ctx, h.db, &dbsqlc.UserSetPasswordParams{
		ID: userID, PasswordHash: hash, KeepTokenHash: keep})
	if err != nil {
		return fmt.Errorf("error setting password: %w", err)
	}
	return h.auth.RevokeTokens(ctx, toHashes(revoked)...)
}

func toHashes(raw [][]byte) []authcache.TokenHash {
	out := make([]authcache.TokenHash, 0, len(raw))
	for _, b := range raw {
		var h authcache.TokenHash
		if copy(h[:], b) == len(h) {
			out = append(out, h)
		}
	}
	return out
}
