package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
)

// randomToken returns 32 random bytes, URL-safe: API tokens and reset tokens.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// sha256Of hashes a secret for storage.
func sha256Of(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// newEmailCode returns a 6-digit code from crypto/rand.
func newEmailCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// Code purposes, as stored in email_codes.purpose.
const (
	purposeVerify = "verify"
	purposeReset  = "reset"
)

// codeHash is what is stored for an emailed code; the purpose is mixed in so a verify code is never a
// reset code.
func codeHash(purpose, code string) []byte {
	return sha256Of("homekeep-email-code:" + purpose + ":" + code)
}
