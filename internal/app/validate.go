package app

import (
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/homekeep/homekeep/internal/apierror"
)

// fieldErrors collects validation failures so one response names every bad field.
type fieldErrors map[string]string

func (f fieldErrors) add(field, msg string) { f[field] = msg }

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return apierror.Validation(f)
}

// normalizeEmail trims an address and checks it is a plain addr-spec (no display name).
func normalizeEmail(f fieldErrors, field, raw string) string {
	email := strings.TrimSpace(raw)
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@'):], ".") {
		f.add(field, "must be a valid address")
	}
	return email
}

// checkTimezone accepts IANA names such as Europe/Berlin and UTC.
func checkTimezone(f fieldErrors, field, tz string) {
	if tz == "" || tz == "Local" {
		f.add(field, "must be an IANA timezone such as Europe/Berlin")
		return
	}
	if _, err := time.LoadLocation(tz); err != nil {
		f.add(field, "must be an IANA timezone such as Europe/Berlin")
	}
}

func checkNewPassword(f fieldErrors, field, pw string) {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		f.add(field, "must be at least 8 characters")
	}
}

func checkName(f fieldErrors, field, name string) string {
	name = strings.TrimSpace(name)
	if strings.ContainsAny(name, "\x00\r\n") {
		f.add(field, "must be a single line of text")
	}
	return name
}

// checkCode requires the 6-digit code format before anything is counted against the code.
func checkCode(f fieldErrors, field, code string) string {
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		f.add(field, "must be the 6-digit code from the email")
	}
	return code
}

// checkRequiredName trims a required single-line name.
func checkRequiredName(f fieldErrors, field, name string) string {
	name = checkName(f, field, name)
	if name == "" {
		f.add(field, "is required")
	}
	return name
}

// checkWebURL trims an optional URL and requires it to be absolute, http or https, with a host.
func checkWebURL(f fieldErrors, field, raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "" ||
		strings.ContainsFunc(s, unicode.IsSpace) {
		f.add(field, "must be an http or https address such as https://example.com")
	}
	return s
}
