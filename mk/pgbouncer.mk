## test-pgbouncer: the tests of every package that starts API instances, each instance behind one real PgBouncer
## in transaction mode (DB_POOLER=pgbouncer-transaction; internal/testpgbouncer, HOMEKEEP_TEST_PGBOUNCER=1).
## Needs Debian's pgbouncer (.ci/run installs it). Tests of per-connection behaviour (prepared statements,
## plan_cache_mode) are expected to differ behind a transaction pooler; README "Behind PgBouncer" lists them.
.PHONY: test-pgbouncer
TEST_PGBOUNCER_PKGS ?= ./internal/app/... ./internal/adminweb/... ./internal/testpgbouncer/...
test-pgbouncer:
	HOMEKEEP_TEST_PGBOUNCER=1 $(GO) test -count=1 $(TEST_PGBOUNCER_PKGS)
