package accounts

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/jobs"
	"github.com/homekeep/homekeep/internal/mail"
	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testsmtp"
	"github.com/homekeep/homekeep/internal/testwait"
)

// emailJobsBundle is a database whose email_code jobs a real river client works, sending to a real SMTP
// server.
type emailJobsBundle struct {
	pool *pgxpool.Pool
	smtp *testsmtp.Server
	q    *dbsqlc.Queries
}

// setupEmailJobs starts the workers on a fresh database. They poll for jobs once an hour, so only river's
// insert notification, which the job-inserting statements send at commit, can wake them in time.
func setupEmailJobs(t *testing.T) *emailJobsBundle {
	t.Helper()
	b := &emailJobsBundle{pool: testdb.Pool(t), smtp: testsmtp.Start(t), q: dbsqlc.New()}
	log := slog.New(slog.DiscardHandler)
	mailer, err := mail.New(mail.Options{SMTPURL: b.smtp.URL, From: "Homekeep <no-reply@homekeep.test>", Logger: log})
	require.NoError(t, err)
	c, err := jobs.New(jobs.Options{
		Pool: b.pool, Logger: log, StopTimeout: time.Second, FetchPollInterval: time.Hour,
		Work: jobs.Work{
			SendCode:         NewCodeMailer(b.pool, mailer).SendCode,
			SweepFiles:       func(context.Context) (int, error) { return 0, nil },
			PurgeRevocations: func(context.Context) error { return nil },
		},
	})
	require.NoError(t, err)
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() { require.NoError(t, c.Stop(context.Background())) })
	return b
}

// register runs the registration statement on db.
func (b *emailJobsBundle) register(ctx context.Context, db dbsqlc.DBTX, email string) (*dbsqlc.UserRegisterRow, error) {
	job := jobs.EmailCodeInsert
	return b.q.UserRegister(ctx, db, &dbsqlc.UserRegisterParams{
		Email: email, PasswordHash: "x", Timezone: "UTC", TokenHash: sha256Of(email), ClientLabel: "test",
		JobKind: job.Kind, JobQueue: job.Queue, JobMaxAttempts: job.MaxAttempts, JobMetadata: "{}",
	})
}

// codeJobs returns the state and attempts of every email_code job for the user, oldest first.
func (b *emailJobsBundle) codeJobs(t *testing.T, db dbsqlc.DBTX, userID int64) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `
		SELECT state || ' ' || attempt || ' ' || (args ->> 'purpose') FROM river_job
		WHERE kind = $1 AND (args ->> 'user_id')::bigint = $2 ORDER BY id`, jobs.KindEmailCode, userID)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

// waitCompleted waits until every email_code job of the user has completed, and returns them.
func (b *emailJobsBundle) waitCompleted(t *testing.T, userID int64, n int) []string {
	t.Helper()
	var got []string
	testwait.Until(t, 10*time.Second, func() bool {
		got = b.codeJobs(t, b.pool, userID)
		done := 0
		for _, j := range got {
			if strings.HasPrefix(j, "completed ") {
				done++
			}
		}
		return done == n
	}, "the user's %d email jobs never all completed", n)
	return got
}

func TestEmailCodeJobs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("RolledBackRegistrationEnqueuesNothing", func(t *testing.T) {
		t.Parallel()
		b := setupEmailJobs(t)
		tx, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		row, err := b.register(ctx, tx, "rolled.back@example.com")
		require.NoError(t, err)
		require.Equal(t, []string{"available 0 verify"}, b.codeJobs(t, tx, row.ID), "the job is queued in the statement")
		require.NoError(t, tx.Rollback(ctx))
		require.Empty(t, b.codeJobs(t, b.pool, row.ID), "a rolled-back registration leaves no job")

		// A statement that fails (the email is taken) rolls its job back with it.
		first, err := b.register(ctx, b.pool, "taken@example.com")
		require.NoError(t, err)
		_, err = b.register(ctx, b.pool, "Taken@example.com")
		require.True(t, dberr.IsUnique(dberr.Interpret(err), dberr.UsersEmailLowerKey), "duplicate email: %v", err)
		var total int
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = $1", jobs.KindEmailCode).
			Scan(&total))
		require.Equal(t, 1, total, "only the registration that committed queued an email")
		b.waitCompleted(t, first.ID, 1)
	})

	t.Run("CommittedRegistrationIsWorkedOnce", func(t *testing.T) {
		t.Parallel()
		b := setupEmailJobs(t)
		row, err := b.register(ctx, b.pool, "once@example.com")
		require.NoError(t, err)
		msg := b.smtp.Next(t, "once@example.com")
		require.Equal(t, "Your Homekeep verification code", msg.Subject)
		require.Equal(t, []string{"completed 1 verify"}, b.waitCompleted(t, row.ID, 1), "worked once, at the first attempt")
		require.Zero(t, b.smtp.Count("once@example.com"), "one email")

		res, err := b.q.EmailCodeAttemptVerify(ctx, b.pool, &dbsqlc.EmailCodeAttemptVerifyParams{
			UserID: row.ID, CodeHash: codeHash(purposeVerify, msg.Code(t))})
		require.NoError(t, err)
		require.True(t, res.Matched, "the emailed code is the one the job issued")
		var stored int
		require.NoError(t, b.pool.QueryRow(ctx,
			"SELECT count(*) FROM river_job WHERE args::text LIKE '%' || $1 || '%'", msg.Code(t)).Scan(&stored))
		require.Zero(t, stored, "the code is never stored in clear, not even in the job")
	})

	t.Run("ResetRequestMailsOnlyAnActiveAccount", func(t *testing.T) {
		t.Parallel()
		b := setupEmailJobs(t)
		row, err := b.register(ctx, b.pool, "reset@example.com")
		require.NoError(t, err)
		b.smtp.Next(t, "reset@example.com") // the verification code
		job := jobs.EmailCodeInsert
		for _, email := range []string{"RESET@example.com", "nobody@example.com"} {
			require.NoError(t, b.q.EmailCodeRequestForEmail(ctx, b.pool, &dbsqlc.EmailCodeRequestForEmailParams{
				Email: email, JobKind: job.Kind, JobQueue: job.Queue, JobMaxAttempts: job.MaxAttempts,
				JobMetadata: "{}"}))
		}
		msg := b.smtp.Next(t, "reset@example.com")
		require.Equal(t, "Your Homekeep password reset code", msg.Subject)
		require.Equal(t, []string{"completed 1 verify", "completed 1 reset"}, b.waitCompleted(t, row.ID, 2))
		var total int
		require.NoError(t, b.pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = $1", jobs.KindEmailCode).
			Scan(&total))
		require.Equal(t, 3, total, "an unknown email queues a job too, so the request costs the same")
		var orphan string
		require.NoError(t, b.pool.QueryRow(ctx, `SELECT args::text FROM river_job WHERE kind = $1 AND args -> 'user_id' = 'null'`,
			jobs.KindEmailCode).Scan(&orphan))
		require.NotContains(t, orphan, "nobody", "the job does not hold the address asked about")
		testwait.Until(t, 10*time.Second, func() bool {
			var state string
			require.NoError(t, b.pool.QueryRow(ctx, `SELECT state::text FROM river_job WHERE kind = $1 AND args -> 'user_id' = 'null'`,
				jobs.KindEmailCode).Scan(&state))
			return state == "completed"
		}, "the job for an unknown address completes without sending")
		require.Zero(t, b.smtp.Count("nobody@example.com"), "an unknown address gets no email")
	})

	t.Run("NothingToSendCompletesWithoutSending", func(t *testing.T) {
		t.Parallel()
		b := setupEmailJobs(t)
		tx, err := b.pool.Begin(ctx)
		require.NoError(t, err)
		row, err := b.register(ctx, tx, "verified@example.com")
		require.NoError(t, err)
		// Verified in the same transaction, before any worker can see the job: the code is not needed.
		_, err = b.q.UserMarkEmailVerified(ctx, tx, row.ID)
		require.NoError(t, err)
		require.NoError(t, tx.Commit(ctx))
		require.Equal(t, []string{"completed 1 verify"}, b.waitCompleted(t, row.ID, 1))
		require.Zero(t, b.smtp.Count("verified@example.com"), "a verified address gets no verification code")
	})
}
