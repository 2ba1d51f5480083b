package main

import (
	"context"
	"fmt"
	"io"
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
	op, err := openOperator(ctx, env, stderr)
	if err != nil {
		return err
	}
	defer op.Close()

	switch fs.Arg(0) {
	case "up":
		return op.Migrate(ctx)
	case "down":
		path, err := op.MigrateDown(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rolled back %s\n", path)
		return nil
	case "status":
		states, err := op.MigrateStatus(ctx)
		if err != nil {
			return err
		}
		for _, s := range states {
			applied := "pending"
			if !s.AppliedAt.IsZero() {
				applied = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
			}
			fmt.Fprintf(stdout, "%-40s %s\n", s.Path, applied)
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
