# The TypeScript SDK in clients/typescript: types generated from api/openapi.yaml by openapi-typescript (pinned in
# tools/package.json, run by clients/typescript/scripts/generate.mjs), a client on openapi-fetch (pinned in
# clients/typescript/package.json), and an example that internal/sdktest runs against a test server. The
# generated src/schema.ts is committed, like the Go code generated from the spec.
SDK_DIR = clients/typescript
SDK_SCHEMA = $(SDK_DIR)/src/schema.ts
SDK_GENERATE = node $(SDK_DIR)/scripts/generate.mjs api/openapi.yaml
# The SDK's own dependencies, installed once and again when its lock file changes (like $(NODE_TOOLS)).
SDK_DEPS = $(SDK_DIR)/node_modules/.package-lock.json

.PHONY: sdk sdk-deps check-sdk

$(SDK_DEPS): $(SDK_DIR)/package.json $(SDK_DIR)/package-lock.json
	cd $(SDK_DIR) && npm ci --no-audit --no-fund --loglevel=error

## sdk: regenerate the TypeScript SDK's types (clients/typescript/src/schema.ts) from api/openapi.yaml.
sdk: $(NODE_TOOLS)
	$(SDK_GENERATE) $(SDK_SCHEMA)

## sdk-deps: install what the SDK's checks and example need (tools/ and clients/typescript/ from their lock files).
sdk-deps: $(NODE_TOOLS) $(SDK_DEPS)

## check-sdk: fail when the committed SDK types differ from what `make sdk` produces, then type-check the SDK
## and its examples with tsc --noEmit (strict). internal/sdktest runs the household example in the Go tests.
check-sdk: sdk-deps
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(SDK_GENERATE) "$$tmp/schema.ts" && \
	if ! cmp -s "$$tmp/schema.ts" $(SDK_SCHEMA); then \
		diff -u $(SDK_SCHEMA) "$$tmp/schema.ts" | head -n 60 >&2; \
		echo "$(SDK_SCHEMA) is stale: run 'make sdk' and commit the result" >&2; exit 1; fi
	$(NODE_BIN)/tsc --noEmit --project $(SDK_DIR)

TEST_STEPS += check-sdk
