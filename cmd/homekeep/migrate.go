package main

import (
	"context"
	"fmt"
	"io"
)

func migrateCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "migrate up|down|status\n\n"+
		"  up      apply pending migrations: river's job tables, then Homekeep's own, under one advisory lock\n"+
		"  down    roll back Homekeep's last migration (river's job tables are never rolled back: they hold the queue)\n"+
		"  status  list every migration, river's first, and whether it is applied", stdout, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	op, err := openOperator(ctx, env, stderr)
	if err != nil {
		return err
	}
	defer op.Close()

	switch fs.Arg(0) {
	case "up":
		return op.Migrate(ctx)
	case "down":
		res, err := op.MigrateDown(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rolled back %s\n", res.Path)
		if res.RiverVersion > 0 {
			fmt.Fprintf(stdout, "river's job tables stay at version %d: they hold the job queue, and homekeep never drops them\n",
				res.RiverVersion)
		}
		return nil
	case "status":
		states, err := op.MigrateStatus(ctx)
		if err != nil {
			return err
		}
		width := 0
		for _, s := range states {
			width = max(width, len(s.Name))
		}
		for _, s := range states {
			applied := "pending"
			switch {
			case !s.AppliedAt.IsZero():
				applied = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
			case s.Applied:
				applied = "applied"
			}
			fmt.Fprintf(stdout, "%-*s  %s\n", width, s.Name, applied)
		}
		return nil
	}
	fs.Usage()
	return errUsage
}

// seedCmd migrates, then upserts the reference data and tells running servers to drop their copy.
func seedCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("seed", "seed", stdout, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	op, err := openOperator(ctx, env, stderr)
	if err != nil {
		return err
	}
	defer op.Close()
	if err := op.Migrate(ctx); err != nil {
		return err
	}
	if err := op.Seed(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "reference data seeded")
	return nil
}
