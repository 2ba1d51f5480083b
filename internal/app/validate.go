package app

import (
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/homekeep/homekeep/internal/apierror"
)

// FieldErrors collects validation failures so one response names every bad field.
type FieldErrors map[string]string

// Add records that field is bad, and why.
func (f FieldErrors) Add(field, msg string) { f[field] = msg }

// Err is the 400 naming every bad field, or nil when there is none.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return apierror.Validation(f)
}

// NormalizeEmail trims an address and checks it is a plain addr-spec (no display name).
func NormalizeEmail(f FieldErrors, field, raw string) string {
	email := strings.TrimSpace(raw)
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@'):], ".") {
		f.Add(field, "must be a valid address")
	}
	return email
}

// CheckTimezone accepts IANA names such as Europe/Berlin and UTC.
func CheckTimezone(f FieldErrors, field, tz string) {
	if tz == "" || tz == "Local" {
		f.Add(field, "must be an IANA timezone such as Europe/Berlin")
		return
	}
	if _, err := time.LoadLocation(tz); err != nil {
		f.Add(field, "must be an IANA timezone such as Europe/Berlin")
	}
}

// CheckName trims an optional single-line name.
func CheckName(f FieldErrors, field, name string) string {
	name = strings.TrimSpace(name)
	if strings.ContainsAny(name, "\x00\r\n") {
		f.Add(field, "must be a single line of text")
	}
	return name
}

// CheckRequiredName trims a required single-line name.
func CheckRequiredName(f FieldErrors, field, name string) string {
	name = CheckName(f, field, name)
	if name == "" {
		f.Add(field, "is required")
	}
	return name
}

// CheckWebURL trims an optional URL and requires it to be absolute, http or https, with a host.
func CheckWebURL(f FieldErrors, field, raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.Opaque != "" ||
		strings.ContainsFunc(s, unicode.IsSpace) {
		f.Add(field, "must be an http or https address such as https://example.com")
	}
	return s
}
