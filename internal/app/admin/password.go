package admin

import (
	"context"
	"fmt"

	"github.com/alexedwards/argon2id"
)

// MinPasswordLength is the shortest admin password accepted, the app's minimum (accounts.MinPasswordLength).
const MinPasswordLength = 8

// PasswordParams are the argon2id costs of new admin hashes: the app's ARGON2_MEMORY_KIB and
// ARGON2_ITERATIONS, so one setting governs both kinds of account.
type PasswordParams struct {
	MemoryKiB  uint32
	Iterations uint32
}

// passwords hashes and checks admin passwords.
type passwords struct {
	params *argon2id.Params
	// dummy is compared against when the email is unknown, so that a wrong email and a wrong password take
	// the same time.
	dummy string
}

func newPasswords(p PasswordParams) (*passwords, error) {
	params := &argon2id.Params{Memory: p.MemoryKiB, Iterations: p.Iterations, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	dummy, err := argon2id.CreateHash(newToken(), params)
	if err != nil {
		return nil, fmt.Errorf("error hashing the dummy admin password: %w", err)
	}
	return &passwords{params: params, dummy: dummy}, nil
}

func (p *passwords) hash(password string) (string, error) {
	h, err := argon2id.CreateHash(password, p.params)
	if err != nil {
		return "", fmt.Errorf("error hashing an admin password: %w", err)
	}
	return h, nil
}

// matches reports whether password is the one hash was made from; an empty hash compares against the dummy
// and never matches.
func (p *passwords) matches(ctx context.Context, password, hash string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("error checking an admin password: %w", err)
	}
	if hash == "" {
		_, _ = argon2id.ComparePasswordAndHash(password, p.dummy)
		return false, nil
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil {
		return false, fmt.Errorf("error checking an admin password: %w", err)
	}
	return ok, nil
}
