# govulncheck, pinned in go.mod's tool block, against the Go vulnerability database as published in the
# golang.org/x/vulndb module at VULNDB_VERSION. vuln.go.dev cannot be reached from the development and CI
# machines, but the module proxy serves that repository, and govulncheck reads its data/osv directory (one OSV
# file per advisory) through `-db file://`. Bump VULNDB_VERSION to a newer pseudo-version of that module the proxy
# serves to see newer advisories (the proxy lists no tagged versions of it).
VULNDB_VERSION = v0.0.0-20261105234957-e22db6528018

.PHONY: vuln
TEST_STEPS += vuln

## vuln: govulncheck over every package; fails on a vulnerability in code Homekeep calls (standard library
## included, so the Go toolchain in GOTOOLCHAIN must carry the fixes).
vuln:
	@dir=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p') && \
	test -d "$$dir/data/osv" || { echo "vuln: could not download golang.org/x/vulndb@$(VULNDB_VERSION)" >&2; exit 1; } && \
	$(GO) tool govulncheck -db "file://$$dir/data/osv" ./...
