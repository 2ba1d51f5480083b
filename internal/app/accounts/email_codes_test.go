package accounts_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/testsmtp"
)

func TestVerifyEmail(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	inst := apptest.Start(t, apptest.Options{NoSeed: true, Configure: apptest.WithSMTP(smtp)})
	verify := func(token, code string) apptest.Response {
		return inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/verify-email", Token: token,
			Body: map[string]any{"code": code}})
	}
	wrong := func(code string) string { // a different well-formed code
		if code == "000000" {
			return "000001"
		}
		return "000000"
	}

	t.Run("VerifiesWithCodeFromRealEmail", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		msg := smtp.Next(t, acct.Email)
		require.Equal(t, "Your Homekeep verification code", msg.Subject)
		require.Contains(t, msg.From, "no-reply@homekeep.test")
		r := verify(acct.Token, msg.Code(t))
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var u client.User
		r.JSON(t, &u)
		require.True(t, u.EmailVerified)
		me := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token})
		me.JSON(t, &u)
		require.True(t, u.EmailVerified, "the cached user was refreshed")

		again := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/resend-verification", Token: acct.Token})
		require.Equal(t, http.StatusConflict, again.Status)
		require.Equal(t, "already_verified", again.Err(t).Error.Code)
	})

	t.Run("WrongCodeCountsDownThenCodeIsDead", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		code := smtp.Next(t, acct.Email).Code(t)
		for i := 1; i <= 5; i++ {
			r := verify(acct.Token, wrong(code))
			require.Equal(t, http.StatusBadRequest, r.Status)
			e := r.Err(t)
			require.Equal(t, "code_invalid", e.Error.Code)
			require.Contains(t, e.Error.Message, strings.Repeat("", 0)+string(rune('0'+5-i))+" attempts left")
		}
		r := verify(acct.Token, code)
		require.Equal(t, http.StatusBadRequest, r.Status, "after 5 wrong attempts even the right code fails")
		require.Equal(t, "code_expired", r.Err(t).Error.Code)
	})

	t.Run("ExpiredCodeFails", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		code := smtp.Next(t, acct.Email).Code(t)
		apptest.DBExec(t, inst, "UPDATE email_codes SET expires_at = now() - interval '1 second' WHERE user_id = $1", acct.ID)
		r := verify(acct.Token, code)
		require.Equal(t, http.StatusBadRequest, r.Status)
		require.Equal(t, "code_expired", r.Err(t).Error.Code)
	})

	t.Run("ResendReplacesOldCode", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		old := smtp.Next(t, acct.Email).Code(t)
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/resend-verification", Token: acct.Token})
		require.Equal(t, http.StatusAccepted, r.Status)
		fresh := smtp.Next(t, acct.Email).Code(t)
		if fresh != old {
			require.Equal(t, http.StatusBadRequest, verify(acct.Token, old).Status, "the old code no longer works")
		}
		require.Equal(t, http.StatusOK, verify(acct.Token, fresh).Status)
	})

	t.Run("RejectsMalformedCode", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		// The spec's pattern refuses it, before an attempt is counted against the code.
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/verify-email", Token: acct.Token,
			Body: map[string]any{"code": "12ab56"}, Invalid: true})
		require.Equal(t, http.StatusBadRequest, r.Status)
		require.Equal(t, "must be the 6-digit code from the email", r.Err(t).Error.Fields.Value["code"])
		require.Equal(t, http.StatusOK, verify(acct.Token, smtp.Next(t, acct.Email).Code(t)).Status,
			"the code still works")
	})
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	smtp := testsmtp.Start(t)
	inst := apptest.Start(t, apptest.Options{NoSeed: true, Configure: apptest.WithSMTP(smtp)})

	resetCode := func(t *testing.T, email string) string {
		t.Helper()
		r := inst.Do(t, apptest.Post("/auth/forgot-password", map[string]any{"email": email}))
		require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
		msg := smtp.Next(t, email)
		require.Equal(t, "Your Homekeep password reset code", msg.Subject)
		return msg.Code(t)
	}

	t.Run("EndToEndThroughRealEmail", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		_ = smtp.Next(t, acct.Email) // the verification email
		code := resetCode(t, strings.ToUpper(acct.Email))

		r := inst.Do(t, apptest.Post("/auth/verify-reset-code", map[string]any{"email": acct.Email, "code": code}))
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var rt client.ResetTokenResponse
		r.JSON(t, &rt)
		require.NotEmpty(t, rt.ResetToken)

		again := inst.Do(t, apptest.Post("/auth/verify-reset-code", map[string]any{"email": acct.Email, "code": code}))
		require.Equal(t, http.StatusBadRequest, again.Status, "a code is exchanged once")

		r = inst.Do(t, apptest.Post("/auth/reset-password", map[string]any{"reset_token": rt.ResetToken, "new_password": "reset to this one"}))
		require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
		require.Equal(t, http.StatusUnauthorized, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me", Token: acct.Token}).Status,
			"every token is revoked")
		require.Equal(t, http.StatusOK, inst.Do(t, apptest.Post("/auth/login", map[string]any{"email": acct.Email, "password": "reset to this one"})).Status)

		reuse := inst.Do(t, apptest.Post("/auth/reset-password", map[string]any{"reset_token": rt.ResetToken, "new_password": "and again this one"}))
		require.Equal(t, http.StatusBadRequest, reuse.Status, "the reset token is single use")
		require.Equal(t, "reset_token_invalid", reuse.Err(t).Error.Code)
	})

	t.Run("UnknownEmailGetsSameAnswerAndNoMail", func(t *testing.T) {
		t.Parallel()
		email := apptest.UniqueEmail()
		r := inst.Do(t, apptest.Post("/auth/forgot-password", map[string]any{"email": email}))
		require.Equal(t, http.StatusAccepted, r.Status)
		v := inst.Do(t, apptest.Post("/auth/verify-reset-code", map[string]any{"email": email, "code": "123456"}))
		require.Equal(t, http.StatusBadRequest, v.Status)
		require.Equal(t, "code_expired", v.Err(t).Error.Code)
		require.Zero(t, smtp.Count(email))
	})

	t.Run("FiveWrongCodesKillTheCode", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		_ = smtp.Next(t, acct.Email)
		code := resetCode(t, acct.Email)
		bad := "000000"
		if code == bad {
			bad = "000001"
		}
		for range 5 {
			r := inst.Do(t, apptest.Post("/auth/verify-reset-code", map[string]any{"email": acct.Email, "code": bad}))
			require.Equal(t, "code_invalid", r.Err(t).Error.Code)
		}
		r := inst.Do(t, apptest.Post("/auth/verify-reset-code", map[string]any{"email": acct.Email, "code": code}))
		require.Equal(t, "code_expired", r.Err(t).Error.Code)
	})

	t.Run("ExpiredResetTokenFails", func(t *testing.T) {
		t.Parallel()
		acct := inst.Register(t)
		_ = smtp.Next(t, acct.Email)
		code := resetCode(t, acct.Email)
		var rt client.ResetTokenResponse
		inst.Do(t, apptest.Post("/auth/verify-reset-code", map[string]any{"email": acct.Email, "code": code})).JSON(t, &rt)
		apptest.DBExec(t, inst, "UPDATE email_codes SET expires_at = now() - interval '1 second' WHERE user_id = $1", acct.ID)
		r := inst.Do(t, apptest.Post("/auth/reset-password", map[string]any{"reset_token": rt.ResetToken, "new_password": "reset to this one"}))
		require.Equal(t, http.StatusBadRequest, r.Status)
		require.Equal(t, "reset_token_invalid", r.Err(t).Error.Code)
	})
}
