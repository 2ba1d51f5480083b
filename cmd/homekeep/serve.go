package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/pgembed"
	"github.com/homekeep/homekeep/internal/service"
)

func serve(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) (err error) {
	fs := newFlagSet("serve", "serve [flags]\n\n"+
		"Serves the HTTP API. With WORKERS=true (the default) it also runs the background jobs (account emails,\n"+
		"the orphan-file sweep, revocation delivery); with WORKERS=false it only queues them, for \"homekeep worker\"\n"+
		"processes to run.", stdout, stderr)
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start")
	seedData := fs.Bool("seed", false, "upsert reference data at start (make run does)")
	embedded := fs.String("embedded-postgres", "",
		"when DATABASE_URL is unset, run a private PostgreSQL cluster in this directory (make run: ./.data/postgres)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, log, err := loadConfig(env, stderr)
	if err != nil {
		return err
	}

	if cfg.DatabaseURL == "" && *embedded != "" {
		cluster, err := pgembed.Start(ctx, pgembed.Options{Dir: *embedded, Logger: log})
		if err != nil {
			if errors.Is(err, pgembed.ErrNoBinaries) {
				return err
			}
			return fmt.Errorf("error starting the embedded PostgreSQL: %w", err)
		}
		// Stop the cluster after the server has drained, with a context that outlives the signal.
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if serr := cluster.Stop(sctx); serr != nil {
				err = errors.Join(err, serr)
			} else {
				log.Info("embedded PostgreSQL stopped")
			}
		}()
		cfg.DatabaseURL = cluster.URL()
		// A private cluster means a developer's machine (make run): no load balancer to wait for, and Ctrl-C
		// should stop at once.
		if v, _ := env("SHUTDOWN_DELAY"); strings.TrimSpace(v) == "" {
			cfg.ShutdownDelay = 0
		}
	}

	return service.Run(ctx, service.Options{
		Config: cfg, Logger: log, Migrate: !*noMigrate, Seed: *seedData, Hurry: hurryFrom(ctx),
		OnReady: func(addr net.Addr) {
			fmt.Fprintf(stdout, "Homekeep is serving on %s (Ctrl-C stops it)\n", displayURL(addr))
		},
	})
}

// displayURL turns a listen address into a URL a person can open: [::]:8080 becomes http://localhost:8080.
func displayURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || ip == nil || ip.IsUnspecified() || ip.IsLoopback() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
