package service

import (
	"context"

	"github.com/homekeep/homekeep/internal/app/admin"
)

// CreateAdmin adds an admin account for the admin API (`homekeep admin create`), its password hashed with the
// same argon2id costs as app passwords (ARGON2_MEMORY_KIB, ARGON2_ITERATIONS).
func (o *Operator) CreateAdmin(ctx context.Context, email string, role admin.Role, password string) error {
	return admin.Create(ctx, o.pool, admin.PasswordParams{
		MemoryKiB: uint32(o.cfg.Argon2MemoryKiB), Iterations: uint32(o.cfg.Argon2Iterations), //nolint:gosec // G115: config.Load takes only positive values
	}, email, role, password)
}
