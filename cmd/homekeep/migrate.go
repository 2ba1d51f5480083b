package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/homekeep/homekeep/internal/app/seed"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/migrate"
	"github.com/homekeep/homekeep/internal/refcache"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

func migrateCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "migrate up|down|status", stdout, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	cfg, log, err := loadConfig(env, stderr)
	if err != nil {
		return err
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	p, err := migrate.NewProvider(sqlDB)
	if err != nil {
		return err
	}

	switch fs.Arg(0) {
	case "up":
		return service.Migrate(ctx, pool, log)
	case "down":
		r, err := p.Down(ctx)
		if err != nil {
			return fmt.Errorf("error rolling back the last migration: %w", err)
		}
		fmt.Fprintf(stdout, "rolled back %s\n", r.Source.Path)
		return nil
	case "status":
		st, err := p.Status(ctx)
		if err != nil {
			return fmt.Errorf("error reading migration status: %w", err)
		}
		for _, s := range st {
			applied := "pending"
			if !s.AppliedAt.IsZero() {
				applied = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
			}
			fmt.Fprintf(stdout, "%-40s %s\n", s.Source.Path, applied)
		}
		return nil
	}
	fs.Usage()
	return errUsage
}

func seedCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("seed", "seed", stdout, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, log, err := loadConfig(env, stderr)
	if err != nil {
		return err
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := service.Migrate(ctx, pool, log); err != nil {
		return err
	}
	if err := seed.Apply(ctx, pool); err != nil {
		return fmt.Errorf("error seeding reference data: %w", err)
	}
	// Running servers serve static data from Valkey; tell them it changed.
	if cfg.ValkeyURL != "" {
		shared, err := valkeyconn.Connect(ctx, cfg.ValkeyURL, log)
		if err != nil {
			return err
		}
		defer shared.Close()
		if err := refcache.New(shared, cfg.CacheKeyPrefix, service.StaticDataKey).Invalidate(ctx); err != nil {
			return fmt.Errorf("reference data seeded, but running servers may serve the old copy for up to a day: %w", err)
		}
	}
	fmt.Fprintln(stdout, "reference data seeded")
	return nil
}

// openPool opens a small pool for one-off commands.
func openPool(ctx context.Context, cfg config.Config) (*pgxpool.Pool, error) {
	if cfg.DatabaseURL == "" {
		return nil, fmt.Errorf("DATABASE_URL: want a PostgreSQL URL such as postgres://user@host:5432/homekeep")
	}
	return dbpool.New(ctx, dbpool.Options{URL: cfg.DatabaseURL, MaxConns: 2,
		NoSessionState: cfg.DBPooler == config.PoolerPgBouncerTransaction})
}
