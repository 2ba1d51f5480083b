package accounts

import (
	"context"
	"fmt"
	"runtime"

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
	// slots bounds the hashes computed at once. Each holds MemoryKiB of memory and a core for its whole run,
	// so more of them than cores only multiplies memory (a burst of 8 sign-ins took 360 MiB) without
	// finishing any sooner; the others wait their turn.
	slots chan struct{}
}

func newPasswords(p PasswordParams) (*passwords, error) {
	params := &argon2id.Params{Memory: p.MemoryKiB, Iterations: p.Iterations, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	dummy, err := argon2id.CreateHash(randomToken(), params)
	if err != nil {
		return nil, fmt.Errorf("error hashing the dummy password: %w", err)
	}
	return &passwords{params: params, dummy: dummy, slots: make(chan struct{}, runtime.GOMAXPROCS(0))}, nil
}

// acquire waits for a hashing slot; release gives it back.
func (p *passwords) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("error waiting to hash a password: %w", ctx.Err())
	}
}

func (p *passwords) release() { <-p.slots }

func (p *passwords) hash(ctx context.Context, password string) (string, error) {
	if err := p.acquire(ctx); err != nil {
		return "", err
	}
	defer p.release()
	h, err := argon2id.CreateHash(password, p.params)
	if err != nil {
		return "", fmt.Errorf("error hashing password: %w", err)
	}
	return h, nil
}

// check reports whether password matches hash, and whether hash should be rewritten with current parameters.
func (p *passwords) check(ctx context.Context, password, hash string) (match, rehash bool, err error) {
	if err := p.acquire(ctx); err != nil {
		return false, false, err
	}
	defer p.release()
	match, params, err := argon2id.CheckHash(password, hash)
	if err != nil {
		return false, false, fmt.Errorf("error checking password: %w", err)
	}
	rehash = match && (params.Memory < p.params.Memory || params.Iterations < p.params.Iterations)
	return match, rehash, nil
}

// burn spends the time of one check on the dummy hash (in a slot like any check, so it takes as long).
func (p *passwords) burn(ctx context.Context, password string) {
	if p.acquire(ctx) != nil {
		return
	}
	defer p.release()
	_, _ = argon2id.ComparePasswordAndHash(password, p.dummy)
}
