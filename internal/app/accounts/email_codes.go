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
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/mail"
	"github.com/homekeep/homekeep/internal/reqinfo"
)

var (
	errCodeExpired = apierror.BadRequest("code_expired",
		"the code has expired or has been used up; request a new one", map[string]string{"code": "has expired"})
	errResetTokenInvalid = apierror.BadRequest("reset_token_invalid",
		"the reset token is invalid, expired or already used; request a new code",
		map[string]string{"reset_token": "is invalid or expired"}) //nolint:gosec // G101: reset_token names the field at fault; no credential is written here
)

func errCodeWrong(attempts int32) error {
	left := max(0, 5-int(attempts))
	return apierror.BadRequest("code_invalid", fmt.Sprintf("the code is wrong; %d attempts left", left),
		map[string]string{"code": "is wrong"})
}

// sendCode queues the email carrying a code; delivery happens after the response, so the response time
// does not depend on the mail server.
func (h *Handler) sendCode(to, purpose, code string) {
	msg := mail.Message{To: to}
	switch purpose {
	case purposeVerify:
		msg.Subject = "Your Homekeep verification code"
		msg.Text = "Your Homekeep verification code is " + code + ".\n\nIt expires in 15 minutes.\n"
	default:
		msg.Subject = "Your Homekeep password reset code"
		msg.Text = "Your Homekeep password reset code is " + code + ".\n\nIt expires in 15 minutes. " +
			"If you did not ask to reset your password, ignore this email.\n"
	}
	h.mail.Enqueue(msg)
}

// VerifyEmail confirms the caller's email with the emailed code.
func (h *Handler) VerifyEmail(ctx context.Context, req *oas.CodeRequest) (oas.VerifyEmailRes, error) {
	p := app.PrincipalFrom(ctx)
	if err := h.attempts.Check(ctx, "verify-email", "ip:"+reqinfo.From(ctx).IP, "email:"+strings.ToLower(p.User.Email)); err != nil {
		return nil, err
	}
	f := app.FieldErrors{}
	code := checkCode(f, "code", req.Code)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if p.User.EmailVerifiedAt != nil {
		return userResponse(p.User), nil
	}
	res, err := h.q.EmailCodeAttemptVerify(ctx, h.db, &dbsqlc.EmailCodeAttemptVerifyParams{
		UserID: p.User.ID, CodeHash: codeHash(purposeVerify, code)})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, errCodeExpired
	}
	if err != nil {
		return nil, fmt.Errorf("error checking code: %w", err)
	}
	if !res.Matched {
		return nil, errCodeWrong(res.Attempts)
	}
	row, err := h.q.UserMarkEmailVerified(ctx, h.db, p.User.ID)
	if err != nil {
		return nil, fmt.Errorf("error marking email verified: %w", err)
	}
	if err := h.auth.EvictUser(ctx, row.ID); err != nil {
		return nil, err
	}
	u := userFromRow(row)
	h.auth.RememberUser(u)
	return userResponse(u), nil
}

// ResendVerification emails a new code, replacing the old one.
func (h *Handler) ResendVerification(ctx context.Context) (oas.ResendVerificationRes, error) {
	p := app.PrincipalFrom(ctx)
	if p.User.EmailVerifiedAt != nil {
		return nil, apierror.Conflict("already_verified", "the email address is already verified")
	}
	if err := h.attempts.Check(ctx, "resend-verification", "ip:"+reqinfo.From(ctx).IP, "email:"+strings.ToLower(p.User.Email)); err != nil {
		return nil, err
	}
	code := newEmailCode()
	if err := h.q.EmailCodeIssue(ctx, h.db, &dbsqlc.EmailCodeIssueParams{
		UserID: p.User.ID, Purpose: purposeVerify, CodeHash: codeHash(purposeVerify, code),
		ExpiresAt: time.Now().Add(codeTTL)}); err != nil {
		return nil, fmt.Errorf("error issuing code: %w", err)
	}
	h.sendCode(p.User.Email, purposeVerify, code)
	return &oas.Message{Message: "a new code is on its way"}, nil
}

// ForgotPassword emails a reset code if the account exists. It answers 202 either way, in one statement
// either way, so neither the answer nor its timing reveals whether the email has an account.
func (h *Handler) ForgotPassword(ctx context.Context, req *oas.EmailRequest) (oas.ForgotPasswordRes, error) {
	f := app.FieldErrors{}
	email := app.NormalizeEmail(f, "email", req.Email)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := h.attempts.Check(ctx, "forgot-password", "ip:"+reqinfo.From(ctx).IP, "email:"+strings.ToLower(email)); err != nil {
		return nil, err
	}
	code := newEmailCode()
	sent, err := h.q.EmailCodeIssueForEmail(ctx, h.db, &dbsqlc.EmailCodeIssueForEmailParams{
		Email: email, CodeHash: codeHash(purposeReset, code), ExpiresAt: time.Now().Add(codeTTL)})
	if err != nil {
		return nil, fmt.Errorf("error issuing reset code: %w", err)
	}
	for _, to := range sent {
		h.sendCode(to, purposeReset, code)
	}
	return &oas.Message{Message: "if an account uses this email, a reset code is on its way"}, nil
}

// VerifyResetCode exchanges a reset code for a single-use reset token, in one statement.
func (h *Handler) VerifyResetCode(ctx context.Context, req *oas.VerifyResetCodeRequest) (oas.VerifyResetCodeRes, error) {
	f := app.FieldErrors{}
	email := app.NormalizeEmail(f, "email", req.Email)
	code := checkCode(f, "code", req.Code)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := h.attempts.Check(ctx, "verify-reset-code", "ip:"+reqinfo.From(ctx).IP, "email:"+strings.ToLower(email)); err != nil {
		return nil, err
	}
	token, expires := randomToken(), time.Now().Add(codeTTL).UTC().Truncate(time.Second)
	res, err := h.q.EmailCodeAttemptReset(ctx, h.db, &dbsqlc.EmailCodeAttemptResetParams{
		Email: email, CodeHash: codeHash(purposeReset, code), ResetTokenHash: sha256Of(token), ResetExpiresAt: expires})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		// No live code for this email, or no such account: the same answer either way.
		return nil, errCodeExpired
	}
	if err != nil {
		return nil, fmt.Errorf("error checking reset code: %w", err)
	}
	if !res.Matched {
		return nil, errCodeWrong(res.Attempts)
	}
	return &oas.ResetTokenResponse{ResetToken: token, ExpiresAt: expires}, nil
}

// ResetPassword spends a reset token, sets the new password and revokes every token of the account.
func (h *Handler) ResetPassword(ctx context.Context, req *oas.ResetPasswordRequest) (oas.ResetPasswordRes, error) {
	f := app.FieldErrors{}
	checkNewPassword(f, "new_password", req.NewPassword)
	if err := f.Err(); err != nil {
		return nil, err
	}
	userID, err := h.q.EmailCodeUseResetToken(ctx, h.db, sha256Of(strings.TrimSpace(req.ResetToken)))
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, errResetTokenInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("error spending reset token: %w", err)
	}
	if err := h.setPassword(ctx, userID, req.NewPassword, nil); err != nil {
		return nil, err
	}
	return &oas.ResetPasswordNoContent{}, nil
}
