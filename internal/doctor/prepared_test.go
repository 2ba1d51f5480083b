package doctor

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/testdb"
	"github.com/homekeep/homekeep/internal/testpgbouncer"
)

func TestRunChecksThePoolersPreparedStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("APoolerWithoutThemFailsDBPoolerPrepared", func(t *testing.T) {
		t.Parallel()
		o := testpgbouncer.Options{PoolSize: 2}
		if _, v, err := testpgbouncer.Binary(); err == nil && testpgbouncer.SupportsPreparedStatements(v) {
			o.Extra = []string{"max_prepared_statements = 0"} // its default is 200 since 1.22; 1.18 refuses the line
		}
		pb := testpgbouncer.Start(t, o)
		env := map[string]string{"DATABASE_URL": pb.URL(t, testdb.New(t)), "DB_POOLER": "pgbouncer-transaction"}
		r := Run(ctx, defaults(t, env))
		require.False(t, r.Failed(), "%+v", r.Checks)
		require.Equal(t, StatusOK, check(t, r, "prepared").Status)
		require.NotNil(t, r.Postgres.Pooler.PreparedStatements)
		require.False(t, *r.Postgres.Pooler.PreparedStatements, "%s passes statement names through", pb.Version)

		env["DB_POOLER_PREPARED"] = "true"
		r = Run(ctx, defaults(t, env))
		require.True(t, r.Failed(), "the hot reads would fail")
		c := check(t, r, "prepared")
		require.Equal(t, StatusFail, c.Status)
		require.Contains(t, c.Message, "set DB_POOLER_PREPARED=false")
	})

	t.Run("APoolerWithThemSuggestsDBPoolerPrepared", func(t *testing.T) {
		t.Parallel()
		pb := testpgbouncer.Start(t, testpgbouncer.Options{PoolSize: 2, MaxPreparedStatements: 100})
		env := map[string]string{"DATABASE_URL": pb.URL(t, testdb.New(t)), "DB_POOLER": "pgbouncer-transaction"}
		r := Run(ctx, defaults(t, env))
		require.False(t, r.Failed(), "%+v", r.Checks)
		require.NotNil(t, r.Postgres.Pooler.PreparedStatements)
		require.True(t, *r.Postgres.Pooler.PreparedStatements, "%s keeps prepared statements", pb.Version)
		c := check(t, r, "prepared")
		require.Equal(t, StatusWarn, c.Status)
		require.Contains(t, c.Message, "set DB_POOLER_PREPARED=true")

		env["DB_POOLER_PREPARED"] = "true"
		r = Run(ctx, defaults(t, env))
		require.False(t, r.Failed(), "%+v", r.Checks)
		require.Equal(t, StatusOK, check(t, r, "prepared").Status)
	})

	t.Run("NotProbedDirectly", func(t *testing.T) {
		t.Parallel()
		r := Run(ctx, defaults(t, map[string]string{"DATABASE_URL": testdb.New(t)}))
		require.Nil(t, r.Postgres.Pooler.PreparedStatements)
		for _, c := range r.Checks {
			require.NotEqual(t, "prepared", c.Name, "only a transaction pooler is probed")
		}
	})
}

func TestPreparedVerdict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		setting   bool
		supported bool
		err       error
		want      Status
	}{
		{"SetWithoutSupportFails", true, false, nil, StatusFail},
		{"SupportUnusedWarns", false, true, nil, StatusWarn},
		{"SetWithSupportIsOK", true, true, nil, StatusOK},
		{"NeitherIsOK", false, false, nil, StatusOK},
		{"UnknownWhenSetWarns", true, false, errors.New("no second server connection"), StatusWarn},
		{"UnknownWhenUnsetIsOK", false, false, errors.New("no second server connection"), StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name, got, msg := preparedVerdict(tc.setting, tc.supported, tc.err)
			require.Equal(t, "prepared", name)
			require.Equal(t, tc.want, got, msg)
		})
	}
}
