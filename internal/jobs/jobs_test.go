package jobs

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testwait"
)

func TestKinds(t *testing.T) {
	t.Parallel()

	t.Run("EveryKindHasAPolicy", func(t *testing.T) {
		t.Parallel()
		type args interface {
			river.JobArgs
			river.JobArgsWithInsertOpts
		}
		for _, args := range []args{EmailCodeArgs{}, FileSweepArgs{}, ReminderPlanArgs{}, RevocationDeliveryArgs{},
			RevocationPurgeArgs{}, NotificationSendArgs{}, LedgerPurgeArgs{}, IdempotencyPurgeArgs{}} {
			k, ok := kinds[args.Kind()]
			require.True(t, ok, "kind %s has a policy", args.Kind())
			opts := args.InsertOpts()
			require.Equal(t, k.queue, opts.Queue, "%s is inserted in its queue", args.Kind())
			require.Equal(t, k.maxAttempts, opts.MaxAttempts, "%s is inserted with its attempts", args.Kind())
		}
		require.Equal(t, SQLInsert{Kind: KindEmailCode, Queue: QueueEmail, MaxAttempts: 10}, EmailCodeInsert,
			"the statements that ask for a code insert the job as river would")
	})

	t.Run("RetriesSpanHoursNotWeeks", func(t *testing.T) {
		t.Parallel()
		for name, k := range kinds {
			var total time.Duration
			for attempt := 1; attempt < k.maxAttempts; attempt++ {
				total += k.backoff(attempt)
			}
			require.Positive(t, total, "%s retries", name)
			require.Less(t, total, 6*time.Hour, "%s gives up within hours, not river's weeks", name)
		}
		email := kinds[KindEmailCode]
		want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
			16 * time.Minute, 30 * time.Minute, 30 * time.Minute, 30 * time.Minute}
		for i, w := range want {
			require.Equal(t, w, email.backoff(i+1), "email backoff after attempt %d", i+1)
		}
	})

	t.Run("RetryPolicyUsesTheKindsBackoff", func(t *testing.T) {
		t.Parallel()
		before := time.Now()
		next := retryPolicy{}.NextRetry(&rivertype.JobRow{Kind: KindEmailCode, Attempt: 3})
		require.WithinDuration(t, before.Add(2*time.Minute), next, time.Second, "third failed attempt: 2 minutes")
		next = retryPolicy{}.NextRetry(&rivertype.JobRow{Kind: "unknown", Attempt: 1})
		require.WithinDuration(t, before.Add(time.Minute), next, time.Second, "a kind without a policy: a minute")
	})
}

// TestRiverJobSchemaMatchesRiver keeps db/river/river_job.sql, which sqlc types the job-inserting statements
// against, the same as the table river's migrations create: same columns, types, nullability and defaults,
// and the same states.
func TestRiverJobSchemaMatchesRiver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testdb.Pool(t) // migrated: river's own river_job is in public
	ddl, err := os.ReadFile(filepath.Join("..", "..", "db", "river", "river_job.sql"))
	require.NoError(t, err)
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx) //nolint:errcheck // the copy is only looked at
	_, err = tx.Exec(ctx, "CREATE SCHEMA sqlc_copy; SET LOCAL search_path TO sqlc_copy")
	require.NoError(t, err)
	_, err = tx.Exec(ctx, string(ddl))
	require.NoError(t, err, "db/river/river_job.sql applies")

	describe := func(schema string) []string {
		rows, err := tx.Query(ctx, `
			SELECT column_name || ' ' || udt_name || ' ' || is_nullable || ' ' ||
			       coalesce(regexp_replace(column_default, '(public|sqlc_copy)\.', '', 'g'), '-')
			FROM information_schema.columns
			WHERE table_schema = $1 AND table_name = 'river_job'
			ORDER BY column_name`, schema)
		require.NoError(t, err)
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		var states string
		require.NoError(t, tx.QueryRow(ctx, `
			SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumlabel)
			FROM pg_enum e JOIN pg_type ty ON ty.oid = e.enumtypid JOIN pg_namespace n ON n.oid = ty.typnamespace
			WHERE ty.typname = 'river_job_state' AND n.nspname = $1`, schema).Scan(&states))
		return append(cols, "states "+states)
	}
	require.Equal(t, describe("public"), describe("sqlc_copy"),
		"db/river/river_job.sql must describe the river_job river's migrations create")
}

// bundle is a job client on its own database, with its work counted.
type bundle struct {
	pool   *pgxpool.Pool
	client *Client
	sweeps atomic.Int32
}

// setup starts a client whose SendCode is send (nil: succeed) on a fresh database, stopped when the test
// ends.
func setup(t *testing.T, pool *pgxpool.Pool, stopTimeout time.Duration,
	send func(context.Context, int64, string) error) *bundle {
	t.Helper()
	if pool == nil {
		pool = testdb.Pool(t)
	}
	b := &bundle{pool: pool}
	if send == nil {
		send = func(context.Context, int64, string) error { return nil }
	}
	c, err := New(Options{
		Pool: pool, Logger: slog.New(slog.DiscardHandler), StopTimeout: stopTimeout,
		Work: Work{
			SendCode:         send,
			SweepFiles:       func(context.Context) (int, error) { b.sweeps.Add(1); return 0, nil },
			PurgeRevocations: func(context.Context) error { return nil },
		},
	})
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background()))
	b.client = c
	t.Cleanup(func() { require.NoError(t, c.Stop(context.Background())) })
	return b
}

// job reads the job back.
func (b *bundle) job(t *testing.T, id int64) *rivertype.JobRow {
	t.Helper()
	j, err := b.client.river.JobGet(context.Background(), id)
	require.NoError(t, err)
	return j
}

// waitState waits until the job is in state.
func (b *bundle) waitState(t *testing.T, id int64, state rivertype.JobState) *rivertype.JobRow {
	t.Helper()
	var j *rivertype.JobRow
	testwait.Until(t, 10*time.Second, func() bool { j = b.job(t, id); return j.State == state },
		"job %d never reached %s", id, state)
	return j
}

func TestClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("PeriodicSweepRunsOnceWhateverTheNumberOfProcesses", func(t *testing.T) {
		t.Parallel()
		pool := testdb.Pool(t)
		a, b := setup(t, pool, time.Second, nil), setup(t, pool, time.Second, nil)
		var count int
		testwait.Until(t, 10*time.Second, func() bool {
			require.NoError(t, pool.QueryRow(ctx,
				"SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'completed'", KindFileSweep).Scan(&count))
			return count > 0
		}, "the leader never ran the sweep it inserts when it is elected")
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = $1", KindFileSweep).Scan(&count))
		require.Equal(t, 1, count, "one sweep job for the hour, however many clients run")
		require.Equal(t, int32(1), a.sweeps.Load()+b.sweeps.Load(), "worked by one process, once")
	})

	t.Run("FailedJobIsRetriedOnTheKindsSchedule", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil, time.Second, func(context.Context, int64, string) error {
			return errors.New("smtp server unreachable")
		})
		res, err := b.client.river.Insert(ctx, EmailCodeArgs{UserID: 1, Purpose: "verify"}, nil)
		require.NoError(t, err)
		j := b.waitState(t, res.Job.ID, rivertype.JobStateRetryable)
		require.Equal(t, 10, j.MaxAttempts)
		require.Len(t, j.Errors, 1)
		require.Equal(t, "smtp server unreachable", j.Errors[0].Error)
		require.WithinDuration(t, j.Errors[0].At.Add(30*time.Second), j.ScheduledAt, 2*time.Second,
			"the first retry of an email waits 30 s, not river's default")
	})

	t.Run("StopLetsARunningJobFinish", func(t *testing.T) {
		t.Parallel()
		started, release := make(chan struct{}), make(chan struct{})
		b := setup(t, nil, time.Minute, func(ctx context.Context, _ int64, _ string) error {
			close(started)
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		res, err := b.client.river.Insert(ctx, EmailCodeArgs{UserID: 1, Purpose: "verify"}, nil)
		require.NoError(t, err)
		<-started
		stopped := make(chan error, 1)
		go func() { stopped <- b.client.Stop(ctx) }()
		close(release)
		require.NoError(t, <-stopped)
		require.Equal(t, rivertype.JobStateCompleted, b.job(t, res.Job.ID).State, "the job finished before Stop returned")
	})

	t.Run("StopCancelsAJobStillRunningAfterTheTimeout", func(t *testing.T) {
		t.Parallel()
		started := make(chan struct{})
		b := setup(t, nil, 100*time.Millisecond, func(ctx context.Context, _ int64, _ string) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		res, err := b.client.river.Insert(ctx, EmailCodeArgs{UserID: 1, Purpose: "verify"}, nil)
		require.NoError(t, err)
		<-started
		require.NoError(t, b.client.Stop(ctx))
		j := b.job(t, res.Job.ID)
		require.Equal(t, rivertype.JobStateAvailable, j.State,
			"a job cut short by shutdown goes back to the queue, for any process to run again: %+v", j.Errors)
	})
}
