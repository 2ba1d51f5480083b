# The API reference at /docs (internal/apidocs) is Redoc's standalone bundle, vendored from npm into
# internal/apidocs/redoc and embedded in the binary, so the page works with no network. Change REDOC_VERSION and
# run `make docs-asset` to move to another version; the same version always gives the same files.
REDOC_VERSION = 2.5.4
REDOC_DIR = internal/apidocs/redoc

.PHONY: docs-asset

## docs-asset: copy redoc@$(REDOC_VERSION)'s standalone bundle and licences from npm into internal/apidocs/redoc,
## with a README.md recording the version, licence and checksums (internal/apidocs's tests check them).
docs-asset:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	tgz=redoc-$(REDOC_VERSION).tgz && \
	npm pack --silent --pack-destination "$$tmp" redoc@$(REDOC_VERSION) >/dev/null && \
	tar -xzf "$$tmp/$$tgz" -C "$$tmp" && \
	cp "$$tmp/package/bundles/redoc.standalone.js" "$$tmp/package/bundles/redoc.standalone.js.LICENSE.txt" \
		"$$tmp/package/LICENSE" $(REDOC_DIR)/ && \
	integrity=$$(node -e 'const c = require("crypto"), fs = require("fs"); \
		console.log("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' \
		"$$tmp/$$tgz") && \
	licence=$$(node -p 'require(process.argv[1]).license' "$$tmp/package/package.json") && \
	sum=$$(sha256sum $(REDOC_DIR)/redoc.standalone.js | cut -d' ' -f1) && \
	{ \
	echo '# Redoc, vendored'; \
	echo; \
	echo 'The API reference at `/docs` (internal/apidocs) is rendered by this copy of Redoc'"'"'s standalone bundle,'; \
	echo 'embedded in the binary so the page needs no network. `make docs-asset` (mk/docs.mk) wrote this folder from'; \
	echo 'npm; do not edit it by hand.'; \
	echo; \
	echo '- package: `redoc` (npm), https://github.com/Redocly/redoc'; \
	echo "- version: \`$(REDOC_VERSION)\`"; \
	echo "- licence: \`$$licence\` (LICENSE); the notices of the libraries in the bundle are in"; \
	echo '  redoc.standalone.js.LICENSE.txt'; \
	echo "- npm integrity of $$tgz: \`$$integrity\`"; \
	echo "- sha256 of redoc.standalone.js: \`$$sum\`"; \
	echo '- files: the tarball'"'"'s bundles/redoc.standalone.js, bundles/redoc.standalone.js.LICENSE.txt and LICENSE,'; \
	echo '  unchanged'; \
	echo; \
	echo 'The page'"'"'s Content-Security-Policy (internal/apidocs) keeps the browser on the server: Redoc'"'"'s sidebar'; \
	echo 'shows a logo from Redocly'"'"'s CDN, which the policy blocks (Redoc then hides it); nothing else in the'; \
	echo 'bundle fetches from the network, and the page sets system fonts instead of the theme'"'"'s web fonts.'; \
	} > $(REDOC_DIR)/README.md && \
	echo "docs-asset: $(REDOC_DIR) holds redoc $(REDOC_VERSION) (sha256 $$sum)"
