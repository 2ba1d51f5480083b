package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/doctor"
)

// errChecksFailed makes doctor exit 1 after printing its report; the report already says what failed.
var errChecksFailed = errors.New("a check failed (see the lines marked FAIL)")

// doctorCmd measures PostgreSQL and Valkey with serve's settings and prints the report (doctor package).
func doctorCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("doctor", "doctor [--json]\n\n"+
		"Connects with the same settings as serve and prints the round-trip time to PostgreSQL and Valkey, their\n"+
		"versions, pending migrations, the pool and pooler settings (and whether DB_POOLER matches the pooler\n"+
		"found), TLS, and what an authenticated board read costs from here. Exits 1 when a check fails.", stdout, stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON (durations in nanoseconds)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	cfg, _, err := loadConfig(env, stderr)
	if err != nil {
		return err
	}
	r := doctor.Run(ctx, cfg)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("error writing the report: %w", err)
		}
	} else {
		writeDoctorText(stdout, r)
	}
	if r.Failed() {
		return errChecksFailed
	}
	return nil
}

// writeDoctorText prints the report for a person: the measurements, then one line per check.
func writeDoctorText(w io.Writer, r *doctor.Report) {
	pg := r.Postgres
	fmt.Fprintf(w, "PostgreSQL  %s\n", pg.Host)
	if pg.Reachable && pg.RTT != nil {
		fmt.Fprintf(w, "  version     %s\n", pg.Version)
		fmt.Fprintf(w, "  round trip  %s median of %d (p10 %s, p90 %s, min %s, max %s)\n",
			fmtMS(pg.RTT.Median), pg.RTT.Samples, fmtMS(pg.RTT.P10), fmtMS(pg.RTT.P90), fmtMS(pg.RTT.Min), fmtMS(pg.RTT.Max))
		fmt.Fprintf(w, "  tls         %s\n", tlsText(pg.ClientTLS, pg.ServerSSL))
		fmt.Fprintf(w, "  pooler      %s (%s)\n", pg.Pooler.Kind, pg.Pooler.Evidence)
		if pg.PendingMigrations != nil {
			fmt.Fprintf(w, "  migrations  %d pending\n", len(pg.PendingMigrations))
		}
	} else if pg.Error != "" {
		fmt.Fprintf(w, "  unreachable: %s\n", pg.Error)
	}
	fmt.Fprintf(w, "Pool        max %d, min %d, lifetime %s, idle %s, DB_POOLER=%s, plan_cache_mode=%s\n",
		r.Pool.MaxConns, r.Pool.MinConns, r.Pool.MaxConnLifetime, r.Pool.MaxConnIdleTime, r.Pool.Pooler,
		orDefault(r.Pool.PlanCacheMode, "(server's)"))
	if v := r.Valkey; v == nil {
		fmt.Fprintln(w, "Valkey      VALKEY_URL is unset")
	} else {
		fmt.Fprintf(w, "Valkey      %s\n", v.Host)
		if v.RTT != nil {
			fmt.Fprintf(w, "  version     %s\n", v.Version)
			fmt.Fprintf(w, "  round trip  %s median of %d (p10 %s, p90 %s, min %s, max %s)\n",
				fmtMS(v.RTT.Median), v.RTT.Samples, fmtMS(v.RTT.P10), fmtMS(v.RTT.P90), fmtMS(v.RTT.Min), fmtMS(v.RTT.Max))
		} else if v.Error != "" {
			fmt.Fprintf(w, "  unreachable: %s\n", v.Error)
		}
	}
	if e := r.Expected; e != nil {
		fmt.Fprintf(w, "Authenticated board read, database time from here:\n  warm %s (1 round trip), cold %s (2), first after a deploy %s (2)\n",
			fmtMS(e.Warm), fmtMS(e.Cold), fmtMS(e.FirstAfterDeploy))
	}
	fmt.Fprintln(w)
	for _, c := range r.Checks {
		fmt.Fprintf(w, "%-4s  %-10s  %s\n", strings.ToUpper(string(c.Status)), c.Name, c.Message)
	}
}

func tlsText(client bool, server *bool) string {
	s := "not encrypted"
	if client {
		s = "encrypted"
	}
	if server != nil {
		if *server {
			s += "; server side (pg_stat_ssl): encrypted"
		} else {
			s += "; server side (pg_stat_ssl): not encrypted"
		}
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// fmtMS formats d in milliseconds with two decimals, as the doctor package's messages do.
func fmtMS(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
