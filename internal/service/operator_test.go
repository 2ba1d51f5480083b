package service_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/service"
	"github.com/homekeep/homekeep/internal/testdb"
)

// openOperator opens an Operator on databaseURL with the default settings (and Valkey, when valkeyURL is
// set), closed when the test ends.
func openOperator(t *testing.T, databaseURL, valkeyURL, keyPrefix string) *service.Operator {
	t.Helper()
	cfg := defaultConfig(t, databaseURL)
	cfg.ValkeyURL, cfg.CacheKeyPrefix = valkeyURL, keyPrefix
	op, err := service.OpenOperator(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(op.Close)
	return op
}

func TestOperator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("NeedsADatabaseURL", func(t *testing.T) {
		t.Parallel()
		_, err := service.OpenOperator(ctx, config.Config{}, slog.New(slog.DiscardHandler))
		require.ErrorContains(t, err, "DATABASE_URL")
	})

	t.Run("MigrateDownRollsBackTheLastAndMigrateAppliesItAgain", func(t *testing.T) {
		t.Parallel()
		op := openOperator(t, testdb.New(t), "", "")
		before, err := op.MigrateStatus(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, before)
		for _, s := range before {
			require.True(t, s.Applied, "%s is applied in a migrated database", s.Name)
		}
		require.True(t, strings.HasPrefix(before[0].Name, "river 001 "), "river's migrations are listed first: %q", before[0].Name)
		last := before[len(before)-1].Name

		res, err := op.MigrateDown(ctx)
		require.NoError(t, err)
		require.Equal(t, last, res.Path, "down rolls back Homekeep's last migration")
		require.Positive(t, res.RiverVersion, "and says which version river's tables stay at")
		after, err := op.MigrateStatus(ctx)
		require.NoError(t, err)
		require.False(t, after[len(after)-1].Applied, "%s is pending again", last)
		for _, s := range after {
			if strings.HasPrefix(s.Name, "river ") {
				require.True(t, s.Applied, "%s stays applied: down never drops the job queue", s.Name)
			}
		}

		require.NoError(t, op.Migrate(ctx))
		again, err := op.MigrateStatus(ctx)
		require.NoError(t, err)
		require.True(t, again[len(again)-1].Applied, "%s is applied again", last)
		require.False(t, again[len(again)-1].AppliedAt.IsZero(), "with the time goose recorded")
	})

	t.Run("DeactivateThenActivate", func(t *testing.T) {
		t.Parallel()
		url, prefix := apptest.SharedValkey(t)
		inst := apptest.Start(t, apptest.Options{NoSeed: true, ValkeyURL: url, KeyPrefix: prefix})
		acct := inst.Register(t)
		login := func() int {
			return inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/auth/login",
				Body: map[string]any{"email": acct.Email, "password": apptest.TestPassword}}).Status
		}
		op := openOperator(t, inst.DatabaseURL, url, prefix)

		change, err := op.DeactivateUser(ctx, acct.Email)
		require.NoError(t, err)
		require.NoError(t, change.ValkeyUnreachable, "Valkey answers")
		require.Equal(t, http.StatusUnauthorized, login(), "a deactivated account cannot sign in")
		require.Equal(t, http.StatusUnauthorized, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/auth/me",
			Token: acct.Token}).Status, "its token is revoked")

		_, err = op.ActivateUser(ctx, acct.Email)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, login(), "an activated account signs in again")
	})

	t.Run("UnknownEmailIsNoAccountError", func(t *testing.T) {
		t.Parallel()
		op := openOperator(t, testdb.New(t), "", "")
		for _, change := range []func(context.Context, string) (service.AccountChange, error){op.DeactivateUser, op.ActivateUser} {
			_, err := change(ctx, "nobody@example.com")
			var nf *service.NoAccountError
			require.ErrorAs(t, err, &nf)
			require.Equal(t, "nobody@example.com", nf.Email)
			require.EqualError(t, err, `no account has the email "nobody@example.com"`)
		}
	})
}
