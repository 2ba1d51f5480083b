# The breaking-change gate (internal/breaking, oasdiff as a library): api/openapi.yaml against the last released
# contract, api/openapi.released.yaml. The command is built into bin/ so a second run only checks that it is up
# to date instead of linking it again.
CHECK_BREAKING = bin/check-breaking

.PHONY: check-breaking release-spec

## check-breaking: fail when api/openapi.yaml breaks clients of api/openapi.released.yaml (oasdiff's breaking
## changes) and info.version keeps its major part; warnings are listed and do not fail.
check-breaking:
	@$(GO) build -o $(CHECK_BREAKING) ./internal/breaking/cmd/check-breaking
	@$(CHECK_BREAKING) api/openapi.released.yaml api/openapi.yaml

## release-spec: record api/openapi.yaml as the released contract that check-breaking compares against (run it
## when a version of the API is released, and commit the result).
release-spec:
	cp api/openapi.yaml api/openapi.released.yaml

TEST_STEPS += check-breaking
