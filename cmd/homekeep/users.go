package main

import (
	"context"
	"fmt"
	"io"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/valkeyconn"
)

// usersCmd runs operator actions on accounts: `homekeep users deactivate|activate EMAIL`. Deactivation
// reaches every running server through Valkey, so it needs the same VALKEY_URL and CACHE_KEY_PREFIX as they
// use. It also works while Valkey is unreachable: the revocation of the account's tokens is recorded in
// PostgreSQL with the deactivation, and the servers write it to Valkey at their next sweep or when they
// reach Valkey again.
func usersCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("users", "users deactivate|activate EMAIL", stdout, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 || (fs.Arg(0) != "deactivate" && fs.Arg(0) != "activate") {
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
	var shared *valkeyconn.Conn // nil: Valkey is not configured or not reachable
	if cfg.ValkeyURL != "" {
		conn, err := valkeyconn.Connect(ctx, cfg.ValkeyURL, log)
		if err != nil {
			return err
		}
		defer conn.Close()
		if err := conn.Ping(ctx); err != nil {
			fmt.Fprintf(stderr, "valkey is unreachable (%v): running servers apply the change within %v of reaching it\n",
				err, authcache.TombstoneSweepInterval)
		} else {
			shared = conn
		}
	}
	auth, err := authcache.New[*app.User](authcache.Options{Shared: shared, KeyPrefix: cfg.CacheKeyPrefix,
		TokenTTL: cfg.TokenCacheTTL, UserTTL: cfg.UserCacheTTL, UserCacheSize: 1, Logger: log})
	if err != nil {
		return err
	}
	defer auth.Close()

	email, active := fs.Arg(1), fs.Arg(0) == "activate"
	found, err := app.SetUserActive(ctx, pool, auth, email, active)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("no account has the email %q", email)
	}
	fmt.Fprintf(stdout, "%s %sd\n", email, fs.Arg(0))
	return nil
}
