package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// ErrPasswordTooShort refuses an admin password shorter than MinPasswordLength (an empty one included).
var ErrPasswordTooShort = fmt.Errorf("the password must be at least %d characters", MinPasswordLength)

// Create adds an admin account (`homekeep admin create`): the password is hashed with argon2id at params.
// An email that is taken, case aside, is refused with a message that names it.
func Create(ctx context.Context, db dbsqlc.DBTX, params PasswordParams, email string, role Role, password string) error {
	email = strings.TrimSpace(email)
	if email == "" || !strings.Contains(email, "@") {
		return fmt.Errorf("--email: want an email address, got %q", email)
	}
	if _, ok := ParseRole(string(role)); !ok {
		return fmt.Errorf("--role: want owner, admin or viewer, got %q", role)
	}
	if len([]rune(password)) < MinPasswordLength {
		return ErrPasswordTooShort
	}
	p, err := newPasswords(params)
	if err != nil {
		return err
	}
	hash, err := p.hash(password)
	if err != nil {
		return err
	}
	_, err = dbsqlc.New().AdminUserCreate(ctx, db, &dbsqlc.AdminUserCreateParams{Email: email, PasswordHash: hash, Role: string(role)})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("an admin with the email %s already exists", email)
	}
	if err != nil {
		return fmt.Errorf("error creating admin %s: %w", email, err)
	}
	return nil
}
