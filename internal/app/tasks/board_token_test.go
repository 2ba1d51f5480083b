package tasks_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/accesscache"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/tasks"
	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// sent counts what a pool sends to PostgreSQL.
type sent struct{ queries, batches, batched atomic.Int64 }

func (s *sent) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	s.queries.Add(1)
	return ctx
}
func (s *sent) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (s *sent) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	s.batches.Add(1)
	s.batched.Add(int64(d.Batch.Len()))
	return ctx
}
func (s *sent) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (s *sent) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// The board of a request whose token the process has not cached: read with the authentication in one
// round trip (boardByToken), the same cards as the board of a cached token.
func TestBoardByToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})
	acct := inst.Register(t)
	home := apptest.CreateResidence(t, inst, acct, "Home")
	cabin := apptest.CreateResidence(t, inst, acct, "Cabin")
	in20 := time.Now().AddDate(0, 0, 20).Format(time.DateOnly)
	soon := apptest.CreateTask(t, inst, acct, map[string]any{"residence_id": home, "title": "Due in 20 days", "due_date": in20})
	apptest.CreateTask(t, inst, acct, map[string]any{"residence_id": cabin, "title": "Cabin task", "due_date": in20})
	r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: acct.Token,
		Body: map[string]any{"days_threshold": 7}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	type bundle struct {
		h     *tasks.Handler
		db    *dbpool.DB
		auth  *authcache.Cache
		sent  *sent
		board func(token string) context.Context
	}
	setup := func(t *testing.T) bundle {
		t.Helper()
		b := bundle{sent: &sent{}}
		pool, err := dbpool.New(ctx, dbpool.Options{URL: inst.DatabaseURL, MaxConns: 2, Tracer: b.sent})
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		b.db = dbpool.NewDB(pool, nil)
		b.auth, err = authcache.New(authcache.Options{TokenTTL: time.Hour, UserTTL: time.Minute, UserCacheSize: 10,
			Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		t.Cleanup(b.auth.Close)
		access, err := accesscache.New(accesscache.Options{})
		require.NoError(t, err)
		t.Cleanup(access.Close)
		b.h = tasks.New(tasks.Deps{DB: b.db, Access: app.NewAccess(b.db, access)})
		// board returns the context of a request whose authentication the security handler deferred.
		b.board = func(token string) context.Context {
			th := authcache.HashToken(token)
			_, miss := b.auth.Begin(ctx, th)
			require.NotNil(t, miss, "the token is not cached")
			return app.WithPendingAuthentication(ctx, th, miss, b.db)
		}
		return b
	}

	t.Run("OneRoundTripWithTheAuthentication", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rctx := b.board(acct.Token)
		rows, threshold, err := b.h.BoardByToken(rctx, nil, oas.OptInt32{})
		require.NoError(t, err)
		require.Equal(t, int64(1), b.sent.batches.Load(), "one batch")
		require.Equal(t, int64(2), b.sent.batched.Load(), "the token's user and the board")
		require.Zero(t, b.sent.queries.Load(), "nothing else")

		require.Equal(t, int32(7), threshold, "the user's own threshold")
		var board client.Board
		inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/tasks", Token: acct.Token}).JSON(t, &board)
		want := map[int64]string{}
		for _, c := range board.Columns {
			for _, task := range c.Tasks {
				want[task.ID] = string(c.Name)
			}
		}
		got := map[int64]string{}
		for _, row := range rows {
			got[row.ID] = row.BoardColumn
		}
		require.Equal(t, want, got, "the same cards in the same columns as a cached token's board")
		require.Equal(t, "upcoming", got[soon], "due in 20 days is upcoming at the user's 7")

		require.Equal(t, acct.ID, app.PrincipalFrom(rctx).User.ID, "the request is authenticated now")
		id, ok := b.auth.TokenUserID(ctx, authcache.HashToken(acct.Token))
		require.True(t, ok, "the token is cached for the next request")
		require.Equal(t, acct.ID, id)
	})

	t.Run("TheRequestsThresholdAndResidence", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rows, threshold, err := b.h.BoardByToken(b.board(acct.Token), &home, oas.NewOptInt32(30))
		require.NoError(t, err)
		require.Equal(t, int32(30), threshold)
		require.Len(t, rows, 1, "only the residence asked for")
		require.Equal(t, soon, rows[0].ID)
		require.Equal(t, "due_soon", rows[0].BoardColumn, "due in 20 days is due soon at 30")
	})

	t.Run("UnknownTokenIsRefused", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		rctx := b.board("no such token")
		rows, _, err := b.h.BoardByToken(rctx, nil, oas.OptInt32{})
		require.ErrorIs(t, err, app.ErrInvalidToken)
		require.Empty(t, rows)
		require.Nil(t, app.PrincipalFrom(rctx).User, "nobody is authenticated")
	})
}
