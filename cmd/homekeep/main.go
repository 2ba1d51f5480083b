package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/service"
)

// version is set at build time: go build -ldflags "-X main.version=...".
var version = "dev"

// errUsage marks a command-line mistake: usage has been printed, exit with status 2.
var errUsage = errors.New("usage")

func main() {
	ctx, hurry, stop := notifySignals(context.Background())
	err := run(withHurry(ctx, hurry), os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "homekeep:", err)
		os.Exit(1)
	}
}

const topUsage = `homekeep: a self-hostable REST API for home maintenance.

Usage:
  homekeep serve [--no-migrate] [--seed] [--embedded-postgres DIR]
  homekeep worker [--no-migrate]
  homekeep jobs [--errors N]
  homekeep migrate up|down|status
  homekeep doctor [--json]
  homekeep seed
  homekeep users deactivate|activate EMAIL
  homekeep users set-tier EMAIL free|pro [--until YYYY-MM-DD]
  homekeep settings limitations on|off
  homekeep admin create --email EMAIL --role owner|admin|viewer < password
  homekeep healthcheck [--url URL]
  homekeep version

Run "homekeep <command> --help" for a command's flags.

`

func run(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage, config.Usage())
		return errUsage
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprint(stdout, topUsage, config.Usage())
		return nil
	case "version", "--version":
		fmt.Fprintln(stdout, "homekeep", version)
		return nil
	case "healthcheck":
		return healthcheckCmd(ctx, args[1:], env, stdout, stderr)
	case "serve":
		return serve(ctx, args[1:], env, stdout, stderr)
	case "worker":
		return workerCmd(ctx, args[1:], env, stdout, stderr)
	case "jobs":
		return jobsCmd(ctx, args[1:], env, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, args[1:], env, stdout, stderr)
	case "doctor":
		return doctorCmd(ctx, args[1:], env, stdout, stderr)
	case "seed":
		return seedCmd(ctx, args[1:], env, stdout, stderr)
	case "settings":
		return settingsCmd(ctx, args[1:], env, stdout, stderr)
	case "users":
		return usersCmd(ctx, args[1:], env, stdout, stderr)
	case "admin":
		return adminCmd(ctx, args[1:], env, os.Stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "homekeep: unknown command %q\n\n%s", args[0], topUsage)
	return errUsage
}

// newFlagSet returns a flag set whose --help also prints the environment settings.
func newFlagSet(name, synopsis string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fs.SetOutput(stdout)
		fmt.Fprintf(stdout, "Usage: homekeep %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		fmt.Fprintln(stdout)
		fmt.Fprint(stdout, config.Usage())
	}
	return fs
}

// parseFlags parses args, mapping a flag mistake to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// openOperator is the prologue of every command that works on the database (migrate, seed, users, jobs): it
// reads the settings and asks service for an Operator, which the command closes.
func openOperator(ctx context.Context, env lookupFunc, stderr io.Writer) (*service.Operator, error) {
	cfg, log, err := loadConfig(env, stderr)
	if err != nil {
		return nil, err
	}
	return service.OpenOperator(ctx, cfg, log)
}

// lookupFunc reads one environment variable (os.LookupEnv outside tests).
type lookupFunc func(string) (string, bool)

// loadConfig reads the environment and builds the logger it asks for.
func loadConfig(env lookupFunc, stderr io.Writer) (config.Config, *slog.Logger, error) {
	cfg, err := config.Load(env)
	if err != nil {
		return cfg, nil, err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(stderr, opts)
	}
	logger := slog.New(h)
	slog.SetDefault(logger)
	return cfg, logger, nil
}
