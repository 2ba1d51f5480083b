// Package migrate applies Homekeep's embedded goose migrations.
//
// Every run that changes the schema holds goose's Postgres session lock (an advisory lock), so several
// instances starting at once never race. Start-up first asks whether anything is pending, which is one query
// on an already-open connection, and takes the lock only when something is.
package migrate

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/homekeep/homekeep/db"
)

// NewProvider returns a goose provider for the embedded migrations that locks the database while it runs.
func NewProvider(sqlDB *sql.DB) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("error creating migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, db.Migrations(), goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("error loading migrations: %w", err)
	}
	return p, nil
}

// UpIfPending applies pending migrations and returns what it applied. When nothing is pending it costs one
// query and takes no lock.
func UpIfPending(ctx context.Context, sqlDB *sql.DB) ([]*goose.MigrationResult, error) {
	p, err := NewProvider(sqlDB)
	if err != nil {
		return nil, err
	}
	// A fresh database has no version table, which HasPending reports as an error; Up creates it.
	if pending, err := p.HasPending(ctx); err == nil && !pending {
		return nil, nil
	}
	res, err := p.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("error applying migrations: %w", err)
	}
	return res, nil
}
