package app

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/testdb"
)

// allOperations is every operation of api/openapi.yaml.
var allOperations = []oas.OperationName{
	oas.ArchiveTaskOperation, oas.CancelTaskOperation, oas.ChangePasswordOperation, oas.CompleteTaskOperation,
	oas.CreateContractorOperation, oas.CreateDocumentOperation, oas.CreateResidenceOperation,
	oas.CreateShareCodeOperation, oas.CreateTaskOperation, oas.DeleteCompletionOperation,
	oas.DeleteContractorOperation, oas.DeleteDocumentOperation, oas.DeleteMeOperation,
	oas.DeleteResidenceOperation, oas.DeleteTaskOperation, oas.ForgotPasswordOperation, oas.GetBoardOperation,
	oas.GetContractorOperation, oas.GetDocumentOperation, oas.GetDocumentFileOperation, oas.GetMeOperation,
	oas.GetResidenceOperation, oas.GetResidenceBoardOperation, oas.GetStaticDataOperation, oas.GetTaskOperation,
	oas.JoinResidenceOperation, oas.ListCompletionsOperation, oas.ListContractorTasksOperation,
	oas.ListContractorsOperation, oas.ListDocumentsOperation, oas.ListResidenceMembersOperation,
	oas.ListResidencesOperation, oas.ListTaskTemplatesOperation, oas.ListWarrantiesOperation, oas.LoginOperation,
	oas.LogoutOperation, oas.RegisterOperation, oas.RemoveResidenceMemberOperation,
	oas.ReplaceDocumentFileOperation, oas.ResendVerificationOperation, oas.ResetPasswordOperation,
	oas.StartTaskOperation, oas.StopTaskOperation, oas.ToggleContractorFavoriteOperation,
	oas.TransferResidenceOperation, oas.UnarchiveTaskOperation, oas.UncancelTaskOperation,
	oas.UpdateContractorOperation, oas.UpdateDocumentOperation, oas.UpdateMeOperation,
	oas.UpdateResidenceOperation, oas.UpdateResidenceMemberOperation, oas.UpdateTaskOperation,
	oas.VerifyEmailOperation, oas.VerifyResetCodeOperation,
}

func TestDeferredAuthentication(t *testing.T) {
	t.Parallel()

	t.Run("OnlyTheHotReadsDefer", func(t *testing.T) {
		t.Parallel()
		hot := map[oas.OperationName]bool{oas.ListResidencesOperation: true, oas.ListContractorsOperation: true,
			oas.ListDocumentsOperation: true}
		for _, op := range allOperations {
			if op == oas.GetBoardOperation {
				continue // defers once tasks' GetBoard reads through boardByToken
			}
			require.Equal(t, hot[op], DefersAuthentication(op), "%s", op)
		}
	})

	t.Run("PrincipalFromFailsLoudlyWhilePending", func(t *testing.T) {
		t.Parallel()
		ctx := WithPendingAuthentication(context.Background(), authcache.HashToken("t"), nil, nil)
		require.True(t, AuthenticationPending(ctx))
		require.Panics(t, func() { PrincipalFrom(ctx) }, "a handler must not act for a caller not yet authenticated")
	})

	t.Run("ReadAuthenticatedNeedsAPendingAuthentication", func(t *testing.T) {
		t.Parallel()
		_, err := ReadAuthenticated(context.Background(), func(dbsqlc.DBTX, []byte) error { return nil })
		require.Error(t, err)
	})
}

// batchCounter counts the statements and batches a pool sends.
type batchCounter struct{ queries, batches, batched int }

func (c *batchCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.queries++
	return ctx
}
func (c *batchCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *batchCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	c.batches++
	c.batched += d.Batch.Len()
	return ctx
}
func (c *batchCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *batchCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func TestReadTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	q := dbsqlc.New()

	setup := func(t *testing.T) (*dbpool.DB, *batchCounter) {
		t.Helper()
		counter := &batchCounter{}
		pool, err := dbpool.New(ctx, dbpool.Options{URL: testdb.New(t), MaxConns: 1, Tracer: counter})
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		_, err = pool.Exec(ctx, "INSERT INTO residence_types (name, display_order) VALUES ('House', 1)")
		require.NoError(t, err)
		*counter = batchCounter{}
		return dbpool.NewDB(pool, nil), counter
	}

	t.Run("SendsTheReadsInOneBatch", func(t *testing.T) {
		t.Parallel()
		db, counter := setup(t)
		var (
			tokenErr error
			static   []*dbsqlc.StaticDataListRow
		)
		err := ReadTogether(ctx, db,
			func(db dbsqlc.DBTX) error {
				_, tokenErr = q.AuthTokenUser(ctx, db, make([]byte, 32))
				if tokenErr == pgx.ErrNoRows { //nolint:errorlint // pgx returns it as is
					return nil
				}
				return tokenErr
			},
			func(db dbsqlc.DBTX) (err error) { static, err = q.StaticDataList(ctx, db); return err })
		require.NoError(t, err)
		require.ErrorIs(t, tokenErr, pgx.ErrNoRows, "the first read's own result")
		require.Len(t, static, 1, "the second read's rows")
		require.Equal(t, batchCounter{batches: 1, batched: 2}, *counter, "one batch of two statements, nothing else")
	})

	t.Run("RefusesAReadThatIsNotOneStatement", func(t *testing.T) {
		t.Parallel()
		db, counter := setup(t)
		require.Error(t, ReadTogether(ctx, db, func(dbsqlc.DBTX) error { return nil }), "no statement")
		require.Error(t, ReadTogether(ctx, db, func(db dbsqlc.DBTX) error {
			_, _ = q.StaticDataList(ctx, db)
			_, err := q.StaticDataList(ctx, db)
			return err
		}), "two statements")
		require.Equal(t, batchCounter{}, *counter, "nothing was sent")
	})

	t.Run("RepeatsTheReadsOnALiveConnectionWhenTheirsWasLost", func(t *testing.T) {
		t.Parallel()
		db, counter := setup(t)
		// PostgreSQL ends the pool's one connection, idle, as in a failover; pgx does not notice until used.
		var pid int
		require.NoError(t, db.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid))
		other, err := pgx.Connect(ctx, db.Config().ConnConfig.ConnString())
		require.NoError(t, err)
		defer other.Close(ctx)
		_, err = other.Exec(ctx, "SELECT pg_terminate_backend($1)", pid)
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			var gone bool
			return other.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)", pid).Scan(&gone) == nil && gone
		}, 5*time.Second, time.Millisecond, "the backend never ended")

		*counter = batchCounter{}
		var static []*dbsqlc.StaticDataListRow
		err = ReadTogether(ctx, db,
			func(db dbsqlc.DBTX) (err error) { static, err = q.StaticDataList(ctx, db); return err },
			func(db dbsqlc.DBTX) error { _, err := q.StaticDataList(ctx, db); return err })
		require.NoError(t, err, "the reads ran again on a live connection")
		require.NotEmpty(t, static)
		require.Equal(t, 1, counter.batches, "the batch met the dead connection")
		require.GreaterOrEqual(t, counter.queries, 2, "then each read ran on its own")
	})
}
