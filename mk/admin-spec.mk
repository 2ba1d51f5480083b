# The admin contract (issue 16): api/admin.yaml generates its own server package, internal/gen/adminoas, so the
# app's SDK and Go client (both from api/openapi.yaml) carry no admin operations. `make generate` and
# `make check-generated` take it in through the prerequisites below; lint-spec lints it (mk/spec-lint.mk).
# check-breaking leaves it out until a first version is released: there is no api/admin.released.yaml yet.
OGEN_ADMIN = $(GO) tool ogen --config api/ogen-admin.yml --package adminoas --clean

.PHONY: generate-admin check-generated-admin

generate: generate-admin
check-generated: check-generated-admin

## generate-admin: regenerate internal/gen/adminoas from api/admin.yaml.
generate-admin:
	$(OGEN_ADMIN) --target internal/gen/adminoas api/admin.yaml

## check-generated-admin: fail when internal/gen/adminoas differs from what api/admin.yaml produces.
check-generated-admin:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(OGEN_ADMIN) --target "$$tmp/adminoas" api/admin.yaml >/dev/null 2>&1 && \
	if ! diff -r "$$tmp/adminoas" internal/gen/adminoas; then \
		echo "internal/gen/adminoas is stale: run 'make generate' and commit the result" >&2; exit 1; fi
