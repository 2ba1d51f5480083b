package mail

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// reservedHeaders are the fields, lower-cased, that the Mailer writes itself or that name recipients, so
// Message.Headers cannot replace or add them: a second From or Subject would let a caller's data change who
// the message claims to come from or what it says, and Cc or Bcc would show recipients the envelope never
// had. Every Content-* field is reserved too (see reservedHeader).
var reservedHeaders = map[string]bool{
	"bcc":          true,
	"cc":           true,
	"date":         true,
	"from":         true,
	"message-id":   true,
	"mime-version": true,
	"reply-to":     true,
	"sender":       true,
	"subject":      true,
	"to":           true,
}

// reservedHeader reports whether name (in any case) is a field the Mailer owns. The Content-* fields describe
// the body the Mailer builds (type, boundary, transfer encoding), so a caller's value would make it unreadable.
func reservedHeader(name string) bool {
	lower := strings.ToLower(name)
	return reservedHeaders[lower] || strings.HasPrefix(lower, "content-")
}

// validateHeaders checks Message.Headers before anything is written: a name must be a plain token and not
// one the Mailer owns, no two names may differ only in case (mail clients would see the field twice), and no
// value may hold a line break, which would start a header field of the caller's choosing (header injection).
// Names are checked in sorted order so the error is the same on every attempt. Errors quote names but never
// values: a List-Unsubscribe URL carries a token, and the job queue stores the error.
func validateHeaders(headers map[string]string) error {
	seen := make(map[string]string, len(headers))
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		if !validHeaderName(name) {
			return fmt.Errorf("header name %q: only letters, digits and hyphens are allowed", name)
		}
		if reservedHeader(name) {
			return fmt.Errorf("header %q is set by the mailer and cannot be given in Message.Headers", name)
		}
		lower := strings.ToLower(name)
		if other, ok := seen[lower]; ok {
			return fmt.Errorf("header %q is given twice (also as %q)", name, other)
		}
		seen[lower] = name
		if strings.ContainsAny(headers[name], "\r\n") {
			return fmt.Errorf("header %q: value contains a line break", name)
		}
	}
	return nil
}

// headerNameChars are the characters a Message.Headers name may use.
const headerNameChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"

// validHeaderName accepts non-empty names of ASCII letters, digits and hyphens: every field Homekeep needs
// (List-Unsubscribe, List-Unsubscribe-Post, List-Id, X-…) fits, and nothing that could end the name early
// (a colon, a space, a line break) does.
func validHeaderName(name string) bool {
	return name != "" && strings.Trim(name, headerNameChars) == ""
}
