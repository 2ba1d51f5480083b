package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/homekeep/homekeep/internal/app/operator"
	"github.com/homekeep/homekeep/internal/service"
)

const workerSynopsis = `worker [--no-migrate]

Runs the background jobs without the API: account emails (verification and reset codes), notification push
and email (each feed row's, per its recipient's preferences, logged per attempt), the reminder planner
(every 15 minutes; missed reminders are caught up within REMINDER_GRACE) and its daily ledger purge, the
hourly orphan-file sweep, and the delivery to Valkey of revocations recorded in PostgreSQL. Jobs are rows in
PostgreSQL (river), queued by every "homekeep serve"; run servers with WORKERS=false and as many workers as
the jobs need to scale the two separately (each worker uses up to 11 database connections). SIGINT or SIGTERM
stops fetching jobs at once and lets running ones finish within SHUTDOWN_TIMEOUT; a second signal cancels them
at once; a job cut short is retried.`

// workerCmd runs the job workers alone until a signal stops it.
func workerCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("worker", workerSynopsis, stdout, stderr)
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	cfg, log, err := loadConfig(env, stderr)
	if err != nil {
		return err
	}
	return service.RunWorker(ctx, service.WorkerOptions{
		Config: cfg, Logger: log, Migrate: !*noMigrate, Hurry: hurryFrom(ctx),
		OnReady: func() { fmt.Fprintln(stdout, "Homekeep worker is running (Ctrl-C stops it)") },
	})
}

const jobsSynopsis = `jobs [--errors N]

Prints the job queue, read-only: how many jobs of each kind are in each state (available: waiting for a
worker; running; retryable: failed, retried later; scheduled; completed, cancelled and discarded: done,
kept a day or a week) with the age of the oldest, then the last errors. Jobs that stay available while
their oldest gets older mean no worker is running: start "homekeep worker", or a server with WORKERS=true.`

// jobsCmd prints the job queue's counts and last errors.
func jobsCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("jobs", jobsSynopsis, stdout, stderr)
	maxErrors := fs.Int("errors", 10, "how many of the last errors to print")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *maxErrors < 0 {
		fs.Usage()
		return errUsage
	}
	op, err := openOperator(ctx, env, stderr)
	if err != nil {
		return err
	}
	defer op.Close()
	r, err := op.Jobs(ctx, *maxErrors)
	if err != nil {
		return err
	}
	printJobs(stdout, r, time.Now())
	return nil
}

// printJobs writes the report as two aligned tables.
func printJobs(w io.Writer, r operator.JobReport, now time.Time) {
	if len(r.Counts) == 0 {
		fmt.Fprintln(w, "no jobs")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tSTATE\tJOBS\tOLDEST")
		for _, c := range r.Counts {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s ago\n", c.Kind, c.State, c.Jobs, age(now, c.Oldest))
		}
		_ = tw.Flush()
	}
	fmt.Fprintln(w)
	if len(r.Errors) == 0 {
		fmt.Fprintln(w, "no errors")
		return
	}
	fmt.Fprintln(w, "Last errors, newest first:")
	for _, e := range r.Errors {
		fmt.Fprintf(w, "%s  %s #%d  %s  attempt %d/%d  %s\n", e.FailedAt.Format("2006-01-02 15:04:05Z"), e.Kind, e.ID,
			e.State, e.Attempt, e.MaxAttempts, strings.Join(strings.Fields(e.Error), " "))
	}
}

// age is how long ago t was, to the second.
func age(now, t time.Time) time.Duration {
	return max(now.Sub(t), 0).Round(time.Second)
}
