package accounts

import (
	"strings"
	"unicode/utf8"

	"github.com/homekeep/homekeep/internal/app"
)

// checkNewPassword requires MinPasswordLength characters.
func checkNewPassword(f app.FieldErrors, field, pw string) {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		f.Add(field, "must be at least 8 characters")
	}
}

// checkCode requires the 6-digit code format before anything is counted against the code.
func checkCode(f app.FieldErrors, field, code string) string {
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		f.Add(field, "must be the 6-digit code from the email")
	}
	return code
}
