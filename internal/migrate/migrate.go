// Package migrate applies Homekeep's schema: river's job tables (rivermigrate, embedded in the river module)
// and Homekeep's own goose migrations (embedded in package db), in one run under one lock.
//
// Every run that changes the schema holds goose's PostgreSQL session lock (an advisory lock on a connection
// of its own) from before the first change to after the last, so several instances starting at once never
// race and never see one half applied. River's migrations go first: Homekeep's statements insert into
// river_job, never the reverse. Start-up first asks whether anything is pending, which is a few cheap
// queries on already-open connections, and takes the lock only when something is.
//
// Rolling back (Down) only ever touches Homekeep's migrations: river's tables hold the job queue, and a
// rollback that dropped them would lose jobs that are waiting, so they stay at their version.
package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/homekeep/homekeep/db"
)

// Result is what one run applied: river's versions first, then Homekeep's migrations. Both are empty when
// nothing was pending.
type Result struct {
	River    []rivermigrate.MigrateVersion
	Homekeep []*goose.MigrationResult
}

// Applied reports how many migrations the run applied, river's and Homekeep's together.
func (r Result) Applied() int { return len(r.River) + len(r.Homekeep) }

// UpIfPending applies pending migrations, river's and then Homekeep's, under the migration lock, and returns
// what it applied. When nothing is pending it takes no lock. pool is used for river's migrations and, through
// database/sql, for goose's; it needs two connections (one holds the lock).
func UpIfPending(ctx context.Context, pool *pgxpool.Pool) (Result, error) {
	var res Result
	err := withSchema(pool, func(s *schema) error {
		// A fresh database has no version table, which HasPending reports as an error; Up creates it.
		if pending, err := s.goose.HasPending(ctx); err == nil && !pending {
			if pending, err := s.riverPending(ctx); err == nil && !pending {
				return nil
			}
		}
		return s.locked(ctx, func() error {
			rr, err := s.river.Migrate(ctx, rivermigrate.DirectionUp, nil)
			if err != nil {
				return fmt.Errorf("error applying river's migrations: %w", err)
			}
			res.River = rr.Versions
			res.Homekeep, err = s.goose.Up(ctx)
			if err != nil {
				return fmt.Errorf("error applying migrations: %w", err)
			}
			return nil
		})
	})
	return res, err
}

// DownResult is what Down rolled back, and the version river's schema stays at.
type DownResult struct {
	// Path is the file of the Homekeep migration that was rolled back.
	Path string
	// RiverVersion is the highest river migration applied (0: river's tables are not installed).
	RiverVersion int
}

// ErrNothingToRollBack is returned by Down when no Homekeep migration is applied.
var ErrNothingToRollBack = errors.New("no Homekeep migration is applied; river's tables are never rolled back by homekeep")

// Down rolls back the last applied Homekeep migration under the migration lock. River's migrations are left
// as they are (see the package comment); their version is reported so the operator knows what remains.
func Down(ctx context.Context, pool *pgxpool.Pool) (DownResult, error) {
	var res DownResult
	err := withSchema(pool, func(s *schema) error {
		return s.locked(ctx, func() error {
			r, err := s.goose.Down(ctx)
			if errors.Is(err, goose.ErrNoNextVersion) {
				err = ErrNothingToRollBack
			}
			if err != nil {
				return fmt.Errorf("error rolling back the last migration: %w", err)
			}
			res.Path = r.Source.Path
			existing, err := s.river.ExistingVersions(ctx)
			if err != nil {
				return fmt.Errorf("error reading river's migrations: %w", err)
			}
			if len(existing) > 0 {
				res.RiverVersion = existing[len(existing)-1].Version
			}
			return nil
		})
	})
	return res, err
}

// State is one migration and when it was applied. River's migrations do not record a time, so theirs is the
// zero time with Applied set.
type State struct {
	// Name is the migration's file for Homekeep ("00001_lookups.sql") and "river NNN name" for river.
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// Status lists every migration in the order a run applies them, river's first, with its state.
func Status(ctx context.Context, pool *pgxpool.Pool) ([]State, error) {
	var out []State
	err := withSchema(pool, func(s *schema) error {
		existing, err := s.river.ExistingVersions(ctx)
		if err != nil {
			return fmt.Errorf("error reading river's migrations: %w", err)
		}
		applied := make(map[int]bool, len(existing))
		for _, m := range existing {
			applied[m.Version] = true
		}
		for _, m := range s.river.AllVersions() {
			out = append(out, State{Name: fmt.Sprintf("river %03d %s", m.Version, m.Name), Applied: applied[m.Version]})
		}
		st, err := s.goose.Status(ctx)
		if err != nil {
			return fmt.Errorf("error reading migration status: %w", err)
		}
		for _, g := range st {
			out = append(out, State{Name: g.Source.Path, Applied: g.State == goose.StateApplied, AppliedAt: g.AppliedAt})
		}
		return nil
	})
	return out, err
}

// RiverMigrations returns river's migrations as this build applies them (testdb hashes them into the name of
// its template database).
func RiverMigrations() ([]rivermigrate.Migration, error) {
	m, err := newRiverMigrator(nil)
	if err != nil {
		return nil, err
	}
	return m.AllVersions(), nil
}

// schema is one migration run's view of the database: goose over database/sql on the pool, river over the
// pool itself, and the lock both run under.
type schema struct {
	sqlDB  *sql.DB
	goose  *goose.Provider
	river  *rivermigrate.Migrator[pgx.Tx]
	locker lock.SessionLocker
}

// withSchema opens a schema on pool for f and releases its database/sql handle afterwards (the pool stays
// open).
func withSchema(pool *pgxpool.Pool, f func(*schema) error) error {
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer func() { _ = sqlDB.Close() }() // hands its connections back to the pool, which stays open
	// The lock is taken here rather than by goose, so river's migrations run inside it too.
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, db.Migrations())
	if err != nil {
		return fmt.Errorf("error loading migrations: %w", err)
	}
	// goose's default probes the lock every 5 s; an instance that waited would start up to 5 s after the
	// migration it waited for. Once a second, for the same 5 minutes.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("error creating migration lock: %w", err)
	}
	rm, err := newRiverMigrator(pool)
	if err != nil {
		return err
	}
	return f(&schema{sqlDB: sqlDB, goose: p, river: rm, locker: locker})
}

// locked runs f while holding goose's advisory lock on a connection of its own.
func (s *schema) locked(ctx context.Context, f func() error) (err error) {
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("error opening the migration lock's connection: %w", err)
	}
	defer func() { _ = conn.Close() }()
	if err := s.locker.SessionLock(ctx, conn); err != nil {
		return fmt.Errorf("error taking the migration lock: %w", err)
	}
	defer func() {
		// A cancelled ctx must not leave the lock held on a connection that goes back to the pool.
		if uerr := s.locker.SessionUnlock(context.WithoutCancel(ctx), conn); uerr != nil && err == nil {
			err = fmt.Errorf("error releasing the migration lock: %w", uerr)
		}
	}()
	return f()
}

// riverPending reports whether a river migration this build knows is not applied.
func (s *schema) riverPending(ctx context.Context) (bool, error) {
	existing, err := s.river.ExistingVersions(ctx)
	if err != nil {
		return false, err
	}
	return len(existing) < len(s.river.AllVersions()), nil
}

// newRiverMigrator returns river's migrator on pool (nil only lists the migrations). Its log is discarded:
// the callers log what was applied themselves, and its errors come back as errors.
func newRiverMigrator(pool *pgxpool.Pool) (*rivermigrate.Migrator[pgx.Tx], error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: quiet})
	if err != nil {
		return nil, fmt.Errorf("error loading river's migrations: %w", err)
	}
	return m, nil
}
