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
	"github.com/homekeep/homekeep/internal/jobs"
	"github.com/homekeep/homekeep/internal/mail"
	"github.com/homekeep/homekeep/internal/reqinfo"
	"github.com/homekeep/homekeep/internal/telemetry"
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

// CodeMailer issues the emailed codes and sends them: the work of the email_code job (package jobs), which
// the statement that asks for a code inserts (Register, ResendVerification, ForgotPassword). Issuing the code
// in the job keeps it out of the database in clear, and makes a late email carry a code that is still live.
type CodeMailer struct {
	db   dbsqlc.DBTX
	q    *dbsqlc.Queries
	mail *mail.Mailer
}

// NewCodeMailer returns a CodeMailer that issues codes on db and sends them with m.
func NewCodeMailer(db dbsqlc.DBTX, m *mail.Mailer) *CodeMailer {
	return &CodeMailer{db: db, q: dbsqlc.New(), mail: m}
}

// SendCode issues a new code of purpose ("verify" or "reset") for the user, replacing the previous one, and
// emails it. It sends nothing, and returns nil, when the account is gone or deactivated, or is already
// verified for a verification code. Each call issues a fresh code, so a retry after a failed send mails a
// new one and the code of a send that failed halfway is dead. A user id of 0 is a forgot-password for an
// address without an account (EmailCodeRequestForEmail queues the job either way): nothing to send.
func (c *CodeMailer) SendCode(ctx context.Context, userID int64, purpose string) error {
	if userID == 0 {
		return nil
	}
	msg := mail.Message{}
	switch purpose {
	case purposeVerify:
		msg.Subject = "Your Homekeep verification code"
	case purposeReset:
		msg.Subject = "Your Homekeep password reset code"
	default:
		return fmt.Errorf("error sending a code: unknown purpose %q", purpose)
	}
	code := newEmailCode()
	to, err := c.q.EmailCodeIssueForUser(ctx, c.db, &dbsqlc.EmailCodeIssueForUserParams{
		UserID: userID, Purpose: purpose, CodeHash: codeHash(purpose, code), ExpiresAt: time.Now().Add(codeTTL)})
	if errors.Is(dberr.Interpret(err), dberr.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("error issuing a code: %w", err)
	}
	msg.To = to
	if purpose == purposeVerify {
		msg.Text = "Your Homekeep verification code is " + code + ".\n\nIt expires in 15 minutes.\n"
	} else {
		msg.Text = "Your Homekeep password reset code is " + code + ".\n\nIt expires in 15 minutes. " +
			"If you did not ask to reset your password, ignore this email.\n"
	}
	return c.mail.Send(ctx, msg)
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

// ResendVerification asks for a new code to be emailed, which replaces the old one when it is sent.
func (h *Handler) ResendVerification(ctx context.Context) (oas.ResendVerificationRes, error) {
	p := app.PrincipalFrom(ctx)
	if p.User.EmailVerifiedAt != nil {
		return nil, apierror.Conflict("already_verified", "the email address is already verified")
	}
	if err := h.attempts.Check(ctx, "resend-verification", "ip:"+reqinfo.From(ctx).IP, "email:"+strings.ToLower(p.User.Email)); err != nil {
		return nil, err
	}
	job := jobs.EmailCodeInsert
	if err := h.q.EmailCodeRequest(ctx, h.db, &dbsqlc.EmailCodeRequestParams{
		UserID: p.User.ID, Purpose: purposeVerify,
		JobKind: job.Kind, JobQueue: job.Queue, JobMaxAttempts: job.MaxAttempts,
		JobMetadata: telemetry.JobMetadata(ctx)}); err != nil {
		return nil, fmt.Errorf("error asking for a code: %w", err)
	}
	return &oas.Message{Message: "a new code is on its way"}, nil
}

// ForgotPassword asks for a reset code to be emailed if the account exists. It answers 202 either way, in
// one statement either way, so neither the answer nor its timing reveals whether the email has an account.
func (h *Handler) ForgotPassword(ctx context.Context, req *oas.EmailRequest) (oas.ForgotPasswordRes, error) {
	f := app.FieldErrors{}
	email := app.NormalizeEmail(f, "email", req.Email)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := h.attempts.Check(ctx, "forgot-password", "ip:"+reqinfo.From(ctx).IP, "email:"+strings.ToLower(email)); err != nil {
		return nil, err
	}
	if err := RequestPasswordReset(ctx, h.db, email); err != nil {
		return nil, err
	}
	return &oas.Message{Message: "if an account uses this email, a reset code is on its way"}, nil
}

// RequestPasswordReset queues the email_code job that issues a reset code for the active account with this
// email and mails it, if there is one; a deactivated or unknown account gets nothing, though a job is queued
// for it too, so the request costs the same either way. It runs on db, so an
// admin's request commits with its audit row. Forgot-password and the admin API's password reset both use it,
// so both send the same email.
func RequestPasswordReset(ctx context.Context, db dbsqlc.DBTX, email string) error {
	job := jobs.EmailCodeInsert
	if err := dbsqlc.New().EmailCodeRequestForEmail(ctx, db, &dbsqlc.EmailCodeRequestForEmailParams{
		Email: email, JobKind: job.Kind, JobQueue: job.Queue, JobMaxAttempts: job.MaxAttempts,
		JobMetadata: telemetry.JobMetadata(ctx)}); err != nil {
		return fmt.Errorf("error asking for a reset code: %w", err)
	}
	return nil
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
