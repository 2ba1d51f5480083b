## test-pgbouncer: the tests of every package that starts API instances, each instance behind one real PgBouncer
## in transaction mode (DB_POOLER=pgbouncer-transaction; internal/testpgbouncer, HOMEKEEP_TEST_PGBOUNCER=1).
## Needs Debian's pgbouncer (.ci/run installs it). Tests of per-connection behaviour (prepared statements,
## plan_cache_mode) are expected to differ behind a transaction pooler; README "Behind PgBouncer" lists them.
.PHONY: test-pgbouncer
TEST_PGBOUNCER_PKGS ?= ./internal/app/... ./internal/adminweb/... ./internal/testpgbouncer/...
test-pgbouncer:
	HOMEKEEP_TEST_PGBOUNCER=1 $(GO) test -count=1 $(TEST_PGBOUNCER_PKGS)

## test-pgbouncer-prepared: the same tests behind a PgBouncer that keeps protocol-level prepared statements
## (max_prepared_statements), with DB_POOLER_PREPARED=true. Needs PgBouncer 1.21+ (Debian bookworm's 1.18
## refuses the setting): point HOMEKEEP_PGBOUNCER at one, e.g. built from Debian's source (README).
.PHONY: test-pgbouncer-prepared
test-pgbouncer-prepared:
	HOMEKEEP_TEST_PGBOUNCER=prepared $(GO) test -count=1 $(TEST_PGBOUNCER_PKGS)
