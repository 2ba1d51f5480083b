package accounts

import (
	"fmt"

	"github.com/alexedwards/argon2id"
)

// PasswordParams are the argon2id costs new hashes use. The encoded hash carries its own parameters, so
// raising these later only affects new hashes, and each user's hash is upgraded at their next sign-in.
type PasswordParams struct {
	MemoryKiB  uint32
	Iterations uint32
}

// DefaultPasswordParams follow OWASP's argon2id recommendation (19 MiB, 2 passes, 1 lane).
var DefaultPasswordParams = PasswordParams{MemoryKiB: 19 * 1024, Iterations: 2}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

// passwords hashes and checks passwords with one set of parameters.
type passwords struct {
	params *argon2id.Params
	// dummy is a hash of a random password, compared against when the email is unknown so that a wrong
	// email and a wrong password take the same time.
	dummy string
}

func newPasswords(p PasswordParams) (*passwords, error) {
	params := &argon2id.Params{Memory: p.MemoryKiB, Iterations: p.Iterations, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	dummy, err := argon2id.CreateHash(randomToken(), params)
	if err != nil {
		return nil, fmt.Errorf("error hashing the dummy password: %w", err)
	}
	return &passwords{params: params, dummy: dummy}, nil
}

func (p *passwords) hash(password string) (string, error) {
	h, err := argon2id.CreateHash(password, p.params)
	if err != nil {
		return "", fmt.Errorf("error hashing password: %w", err)
	}
	return h, nil
}

// check reports whether password matches hash, and whether hash should be rewritten with current parameters.
func (p *passwords) check(password, hash string) (match, rehash bool, err error) {
	match, params, err := argon2id.CheckHash(password, hash)
	if err != nil {
		return false, false, fmt.Errorf("error checking password: %w", err)
	}
	rehash = match && (params.Memory < p.params.Memory || params.Iterations < p.params.Iterations)
	return match, rehash, nil
}

// burn spends the time of one check on the dummy hash.
func (p *passwords) burn(password string) {
	_, _ = argon2id.ComparePasswordAndHash(password, p.dummy)
}
