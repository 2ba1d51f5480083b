# The soak (issue 19, "Load held"): `homekeep serve` as a child process held under a fixed-rate mixed load,
# then checked in SQL; internal/soak, TestSoak. Not part of `make test` (TestSoakSmoke, a few seconds of the
# same harness, is).
SOAK_DURATION ?= 10m
SOAK_RATE ?= 100
SOAK_USERS ?= 200
SOAK_WARMUP ?= 30s

.PHONY: soak

## soak: SOAK_DURATION (10m) of 80% reads and 20% writes by SOAK_USERS (200) users at SOAK_RATE (100)
## requests/s, open loop, after SOAK_WARMUP (30s); writes bench/soak.md (throughput, p50/p90/p99 per
## operation, errors, RSS, pool waits, the SQL consistency checks) and fails on any failed request or check.
## `make soak SOAK_DURATION=30s` for a quick try. Run it on a quiet machine (`uptime`).
soak:
	HOMEKEEP_SOAK=1 SOAK_DURATION=$(SOAK_DURATION) SOAK_RATE=$(SOAK_RATE) SOAK_USERS=$(SOAK_USERS) \
	SOAK_WARMUP=$(SOAK_WARMUP) $(GO) test -count=1 -v -run '^TestSoak$$' -timeout 3h ./internal/soak/
