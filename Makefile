# Homekeep developer commands. The README lists the two that matter on a fresh machine: `make run`, `make test`.
GO ?= go
# The Go toolchain every target uses: 1.27.3, which the go command fetches from the module proxy the first time
# (76 MB, seconds). The machines' own 1.26.8 has standard-library advisories (html/template, net/http,
# crypto/x509) in code Homekeep calls, fixed in 1.26.10 and 1.27.3, and `make vuln` (part of `make test`)
# refuses them. go.mod keeps `go 1.26.0`: the code needs nothing newer, and a plain `go` command still builds it.
export GOTOOLCHAIN ?= go1.27.3
# ogen reads api/openapi.yaml through internal/ogeninput, which leaves out the multipart parts' contentType that
# ogen cannot generate yet (ogen-go/ogen#1159); each command below takes that copy's path as its last argument.
OGEN_INPUT = $(GO) run ./internal/ogeninput < api/openapi.yaml
OGEN = $(GO) tool ogen --config api/ogen.yml --target internal/gen/oas --package oas --clean
# The public Go client: same spec, client side only (api/ogen-client.yml); --clean keeps client/doc.go and tests.
OGEN_CLIENT = $(GO) tool ogen --config api/ogen-client.yml --target client --package client --clean
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS = -X main.version=$(VERSION)

.PHONY: run build test vet fmt-check lint generate check-generated bench bench-long bench-quick bench-smoke bench-plans bench-go tidy

## run: serve on :8080; without DATABASE_URL, on a private PostgreSQL cluster under ./.data/postgres.
run: build
	./bin/homekeep serve --seed --embedded-postgres ./.data/postgres

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/homekeep ./cmd/homekeep

# Each mk/*.mk adds its own targets and appends to TEST_STEPS the checks `make test` runs before the Go tests.
TEST_STEPS :=
include $(wildcard mk/*.mk)

## test: vet, gofmt, lint, check the generated code against the spec and queries, the mk/*.mk checks, then every
## test with the race detector. Screenshots of the browser tests land in test-artifacts/ (HOMEKEEP_ARTIFACTS);
## every error body the tests got lands in test-artifacts/error-bodies and is checked (mk/error-bodies.mk).
test: vet fmt-check lint check-generated $(TEST_STEPS)
	rm -rf $(ERROR_BODIES)
	HOMEKEEP_ERROR_BODIES=$(ERROR_BODIES) HOMEKEEP_ARTIFACTS=$${HOMEKEEP_ARTIFACTS:-$(CURDIR)/test-artifacts} $(GO) test -race -count=1 ./...
	@$(MAKE) --no-print-directory check-error-bodies

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l cmd internal db client); if [ -n "$$out" ]; then echo "gofmt needed:" $$out >&2; exit 1; fi

## lint: golangci-lint, the version pinned in go.mod's tool block, with the linters and exclusions of .golangci.yml.
lint:
	$(GO) tool golangci-lint run ./...

## generate: regenerate internal/gen and client/ from api/openapi.yaml and db/queries.
generate:
	$(GO) tool sqlc generate
	@spec=$$(mktemp) && trap 'rm -f "$$spec"' EXIT && $(OGEN_INPUT) > "$$spec" && \
	$(OGEN) "$$spec" && $(OGEN_CLIENT) "$$spec"

## check-generated: fail when committed generated code differs from what the spec and queries produce.
check-generated:
	$(GO) tool sqlc diff
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && $(OGEN_INPUT) > "$$tmp/openapi.yaml" && \
	$(GO) tool ogen --config api/ogen.yml --target "$$tmp/oas" --package oas --clean "$$tmp/openapi.yaml" >/dev/null 2>&1 && \
	if ! diff -r "$$tmp/oas" internal/gen/oas; then \
		echo "internal/gen/oas is stale: run 'make generate' and commit the result" >&2; exit 1; fi
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && $(OGEN_INPUT) > "$$tmp/openapi.yaml" && \
	$(GO) tool ogen --config api/ogen-client.yml --target "$$tmp/client" --package client --clean "$$tmp/openapi.yaml" >/dev/null 2>&1 && \
	for f in client/*.go; do case "$$f" in *_gen.go) ;; *) cp "$$f" "$$tmp/client/" ;; esac; done && \
	if ! diff -r "$$tmp/client" client; then \
		echo "client is stale: run 'make generate' and commit the result" >&2; exit 1; fi

## bench: issue 11's measurement: the latency of every authenticated read in every state at 50 and 100 ms RTT
## (PostgreSQL directly and through PgBouncer when installed), throughput against a minimal reference server,
## memory with 20,000 users, and plans at 1,000,000 tasks; writes bench/results.md and bench/results.json.
## About 15 minutes on 2 cores; run it on a quiet machine (`uptime`).
BENCH_TEST = $(GO) test -count=1 -v -parallel 32 -run '^TestBench$$' ./internal/bench/
bench:
	HOMEKEEP_BENCH=full $(BENCH_TEST) -timeout 45m
	$(MAKE) bench-tracing

## bench-tracing: what tracing costs the warm board read: off (no exporter configured, the default), with a no-op
## provider installed, and recording every span; writes bench/tracing.txt (part of bench).
bench-tracing:
	$(GO) test -count=6 -run '^$$' -bench '^BenchmarkBoardTracing$$' -benchmem ./internal/app/api/ | tee bench/tracing.txt

## bench-long: bench plus 10 minutes idle and five longer throughput rounds.
bench-long:
	HOMEKEEP_BENCH=long $(BENCH_TEST) -timeout 3h

## bench-quick: the latency matrix at 50 ms RTT only, with fewer samples; a minute or two.
bench-quick:
	HOMEKEEP_BENCH=quick $(BENCH_TEST) -timeout 10m

## bench-smoke: every phase of bench at its smallest, to check the harness itself in a few minutes (the numbers
## mean little).
bench-smoke:
	HOMEKEEP_BENCH=smoke $(BENCH_TEST) -timeout 20m

## bench-plans: only bench's plans phase: builds the 1,000,000-task database and logs the plans of every hot
## statement and of the reminder planner; writes nothing (HOMEKEEP_BENCH_PLANS=smoke for 100,000 tasks).
HOMEKEEP_BENCH_PLANS ?= full
bench-plans:
	HOMEKEEP_BENCH_PLANS=$(HOMEKEEP_BENCH_PLANS) $(GO) test -count=1 -v -run '^TestBenchPlans$$' -timeout 20m ./internal/bench/

## bench-go: the Go benchmarks (allocations, sql/op) against real PostgreSQL and Valkey.
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...
