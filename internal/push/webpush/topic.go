package webpush

import (
	"crypto/sha256"
	"encoding/base64"
)

// topicMaxLen is the longest Topic header RFC 8030 (section 5.4) allows.
const topicMaxLen = 32

// topic turns a message's collapse key into a Topic header (RFC 8030, section 5.4): at most 32 characters of
// the URL-safe base64 alphabet, which a push service uses to replace an undelivered message with a newer
// one of the same topic. A key that already fits is sent as it is, so it stays readable in the push
// service's logs; any other is hashed (SHA-256, unpadded base64url, first 32 characters: 192 bits), which
// keeps one key mapping to one topic. An empty key sends no Topic.
func topic(collapseKey string) string {
	if collapseKey == "" {
		return ""
	}
	if len(collapseKey) <= topicMaxLen && isURLSafeBase64(collapseKey) {
		return collapseKey
	}
	sum := sha256.Sum256([]byte(collapseKey))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:topicMaxLen]
}

// isURLSafeBase64 reports whether s uses only the URL-safe base64 alphabet (RFC 4648, section 5).
func isURLSafeBase64(s string) bool {
	for _, c := range []byte(s) {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
