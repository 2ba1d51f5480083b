# Lint of the contracts (issue 12; api/admin.yaml from issue 16): api/openapi.yaml and api/admin.yaml must pass
# Redocly CLI's recommended rules and Spectral's spectral:oas ruleset with 0 errors and 0 warnings. Their settings
# are .redocly.yaml and .spectral.yaml; the tools are the pinned ones in tools/ (mk/node.mk). Redocly's telemetry and update check are off: lint needs no network.
LINT_SPEC = api/openapi.yaml api/admin.yaml

.PHONY: lint-spec

## lint-spec: lint api/openapi.yaml with Redocly CLI and Spectral; a warning fails as an error does.
lint-spec: $(NODE_TOOLS)
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(NODE_BIN)/redocly lint --config .redocly.yaml $(LINT_SPEC)
	$(NODE_BIN)/spectral lint --ruleset .spectral.yaml --fail-severity=warn $(LINT_SPEC)

TEST_STEPS += lint-spec
