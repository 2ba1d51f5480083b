package apptest

import (
	"testing"

	"github.com/homekeep/homekeep/internal/config"
	"github.com/homekeep/homekeep/internal/testpgbouncer"
)

// viaPgBouncer points cfg at the test process's shared PgBouncer (transaction mode) with
// DB_POOLER=pgbouncer-transaction when HOMEKEEP_TEST_PGBOUNCER=1 (`make test-pgbouncer`), so every API test
// runs behind the pooler; with HOMEKEEP_TEST_PGBOUNCER=prepared also DB_POOLER_PREPARED=true, behind a
// PgBouncer with max_prepared_statements (`make test-pgbouncer-prepared`). DATABASE_DIRECT_URL keeps the direct URL, for a test that migrates a new
// database. An instance a test already put behind a pooler is left alone. Instance.DatabaseURL stays
// direct: tests read and write their fixtures over it.
func viaPgBouncer(t testing.TB, cfg *config.Config) {
	t.Helper()
	if !testpgbouncer.Enabled() || cfg.DBPooler == config.PoolerPgBouncerTransaction {
		return
	}
	pb := testpgbouncer.Shared(t)
	cfg.DatabaseDirectURL = cfg.DatabaseURL
	cfg.DatabaseURL = pb.URL(t, cfg.DatabaseURL)
	cfg.DBPooler = config.PoolerPgBouncerTransaction
	cfg.DBPoolerPrepared = testpgbouncer.Prepared()
}
