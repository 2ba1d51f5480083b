package google

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
)

// SecretPathMinLength is the shortest secret SecretPath accepts: 32 characters of a random base64 or hex
// string is 128 bits or more, beyond guessing.
const SecretPathMinLength = 32

// SecretPath checks a secret path segment of the push endpoint (".../google-play/{secret}"), for an
// operator who has not set up Pub/Sub's push authentication. It is weaker than PushVerifier: the secret
// sits in the subscription's URL, where Google Cloud users of the project can read it, and it does not
// expire.
type SecretPath struct {
	digest [sha256.Size]byte
}

// NewSecretPath returns a SecretPath for secret, which must be at least SecretPathMinLength characters of
// the URL-safe set (letters, digits, "-", "_", ".", "~"), so that it is a path segment as it is. Its error
// does not repeat the secret.
func NewSecretPath(secret string) (*SecretPath, error) {
	if len(secret) < SecretPathMinLength {
		return nil, fmt.Errorf("google play: the push secret has %d characters, want at least %d (a random string, such as from openssl rand -hex 32)", len(secret), SecretPathMinLength)
	}
	for _, c := range []byte(secret) {
		if !unreserved(c) {
			return nil, fmt.Errorf("google play: the push secret has a character other than letters, digits, \"-\", \"_\", \".\" and \"~\"")
		}
	}
	return &SecretPath{digest: sha256.Sum256([]byte(secret))}, nil
}

// Matches reports whether segment is the secret. It compares digests of both in constant time, so neither
// the secret's content nor its length shows in how long a wrong guess takes.
func (s *SecretPath) Matches(segment string) bool {
	got := sha256.Sum256([]byte(segment))
	return subtle.ConstantTimeCompare(got[:], s.digest[:]) == 1
}

// unreserved reports whether c is an unreserved URI character (RFC 3986).
func unreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}
