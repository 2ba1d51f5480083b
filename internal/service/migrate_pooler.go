package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/doctor"
	"github.com/homekeep/homekeep/internal/migrate"
)

// ErrMigrateBehindPooler is returned when migrations are pending, PostgreSQL is reached through a
// transaction-mode pooler, and DATABASE_DIRECT_URL is unset. The migration lock is a session-level advisory
// lock: behind a transaction pooler it is taken on one server connection and the migrations run on
// others, so two instances starting at once could both apply them.
var ErrMigrateBehindPooler = errors.New("migrations are pending and DATABASE_URL goes through a transaction-mode pooler, " +
	"where the migration lock (a session lock) does not hold: set DATABASE_DIRECT_URL to PostgreSQL itself, " +
	"or run `DATABASE_URL=<PostgreSQL itself> homekeep migrate up` once")

// migrationPoolMaxConns is the direct pool's size: one connection for the migrations, one for the lock.
const migrationPoolMaxConns = 2

// upIfPending applies pending migrations (migrate.UpIfPending) on a connection where the migration lock
// holds. When PostgreSQL is reached directly that is pool itself. When nothing is pending it is pool too (no
// lock is taken). Otherwise, when DATABASE_DIRECT_URL is set, the migrations run over it; when it is unset,
// the pooler is looked for (DB_POOLER, or doctor.DetectPooler on pool) and a transaction-mode one refuses
// with ErrMigrateBehindPooler.
func upIfPending(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) (migrate.Result, error) {
	pending, err := anyPending(ctx, pool)
	if err == nil && !pending {
		return migrate.Result{}, nil
	}
	if cfg.DatabaseDirectURL != "" {
		direct, done, err := lockablePool(ctx, cfg, pool)
		if err != nil {
			return migrate.Result{}, err
		}
		defer done()
		log.InfoContext(ctx, "applying migrations over DATABASE_DIRECT_URL")
		return migrate.UpIfPending(ctx, direct)
	}
	behind := cfg.DBPooler == config.PoolerPgBouncerTransaction
	if !behind {
		det, derr := doctor.DetectPooler(ctx, pool)
		behind = derr == nil && det.Kind == doctor.PoolerKindTransaction
	}
	if behind {
		return migrate.Result{}, ErrMigrateBehindPooler
	}
	return migrate.UpIfPending(ctx, pool)
}

// anyPending reports whether any migration, river's or Homekeep's, is not applied. A database without the
// version tables is an error here, which the caller treats as pending.
func anyPending(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	states, err := migrate.Status(ctx, pool)
	if err != nil {
		return true, err
	}
	for _, s := range states {
		if !s.Applied {
			return true, nil
		}
	}
	return false, nil
}

// errDownBehindPooler is returned by a rollback behind a transaction pooler without DATABASE_DIRECT_URL.
var errDownBehindPooler = errors.New("DATABASE_URL goes through a transaction-mode pooler, where the migration lock " +
	"(a session lock) does not hold: set DATABASE_DIRECT_URL to PostgreSQL itself, or run " +
	"`DATABASE_URL=<PostgreSQL itself> homekeep migrate down`")

// lockablePool returns a pool on which the migration lock holds, for a rollback: a new one on
// DATABASE_DIRECT_URL when set (done closes it), pool itself when PostgreSQL is reached directly, and
// errDownBehindPooler when DB_POOLER says a transaction pooler is in front.
func lockablePool(ctx context.Context, cfg config.Config, pool *pgxpool.Pool) (*pgxpool.Pool, func(), error) {
	if cfg.DatabaseDirectURL != "" {
		direct, err := dbpool.New(ctx, dbpool.Options{URL: cfg.DatabaseDirectURL, MaxConns: migrationPoolMaxConns,
			NoSessionState: true})
		if err != nil {
			return nil, nil, fmt.Errorf("DATABASE_DIRECT_URL: %w", err)
		}
		return direct, direct.Close, nil
	}
	if cfg.DBPooler == config.PoolerPgBouncerTransaction {
		return nil, nil, errDownBehindPooler
	}
	return pool, func() {}, nil
}
