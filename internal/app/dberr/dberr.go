// Package dberr turns the errors of PostgreSQL and pgx into the errors Homekeep's handlers branch on, in one
// place, as River's driver does with interpretError: a query that found nothing becomes ErrNotFound, and a
// statement a constraint refused becomes a *ConstraintError naming the constraint with one of the constants in
// constraints.go. Handlers then compare against those, never against SQLSTATE codes or constraint names
// written as text, so a renamed constraint is a test failure (see constraints_test.go) rather than a 500.
//
// Everything else (a connection refused or lost, a data exception, a timeout) passes through unchanged, so
// that internal/apierror can classify it as it always has.
package dberr

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNotFound means a query that returns one row found none: the row does not exist, or the caller may not
// see or change it (queries filter on the caller's access in the same statement).
var ErrNotFound = errors.New("not found")

// Kind is the kind of constraint a statement violated.
type Kind string

// The kinds of constraint violation Interpret recognises, after their SQLSTATE.
const (
	Unique     Kind = "unique"      // 23505 unique_violation (a unique constraint or unique index)
	ForeignKey Kind = "foreign key" // 23503 foreign_key_violation
	Check      Kind = "check"       // 23514 check_violation
	Exclusion  Kind = "exclusion"   // 23P01 exclusion_violation
)

// kindOf maps a SQLSTATE of class 23 (integrity constraint violation) to the kind Interpret reports.
var kindOf = map[string]Kind{"23505": Unique, "23503": ForeignKey, "23514": Check, "23P01": Exclusion}

// ConstraintError is a statement PostgreSQL refused because it would break a constraint of the schema. It
// wraps the original error, so logs show PostgreSQL's own message and internal/apierror still sees the
// *pgconn.PgError underneath.
type ConstraintError struct {
	Kind       Kind
	Constraint Constraint
	err        error
}

// Error returns PostgreSQL's message, as the unwrapped error would.
func (e *ConstraintError) Error() string { return e.err.Error() }

// Unwrap returns the error Interpret was given.
func (e *ConstraintError) Unwrap() error { return e.err }

// Interpret maps err, as returned by a generated query, to the errors handlers branch on: pgx.ErrNoRows to
// ErrNotFound; a unique, foreign-key, check or exclusion violation to a *ConstraintError; anything else (nil included)
// unchanged. It is idempotent, so an error that is already interpreted passes through as it is.
func Interpret(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var ce *ConstraintError
	if errors.As(err, &ce) {
		return err
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		if kind, ok := kindOf[pg.Code]; ok {
			return &ConstraintError{Kind: kind, Constraint: Constraint(pg.ConstraintName), err: err}
		}
	}
	return err
}

// IsUnique reports whether err, as returned by Interpret, is a unique violation of c.
func IsUnique(err error, c Constraint) bool { return violates(err, Unique, c) }

// IsExclusion reports whether err, as returned by Interpret, is an exclusion violation of c.
func IsExclusion(err error, c Constraint) bool { return violates(err, Exclusion, c) }

// IsForeignKey reports whether err, as returned by Interpret, is a foreign-key violation of c.
func IsForeignKey(err error, c Constraint) bool { return violates(err, ForeignKey, c) }

func violates(err error, kind Kind, c Constraint) bool {
	var ce *ConstraintError
	return errors.As(err, &ce) && ce.Kind == kind && ce.Constraint == c
}
