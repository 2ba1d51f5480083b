# The admin panel at /admin (internal/adminweb, issue 17) uses htmx for partial updates. htmx is vendored from npm
# into internal/adminweb/assets and embedded in the binary: no CDN, and no Node build to run or test the panel.
# Change HTMX_VERSION and run `make panel-asset` to move to another version; the same version gives the same files.
HTMX_VERSION = 2.0.11
HTMX_DIR = internal/adminweb/assets

.PHONY: panel-asset

## panel-asset: copy htmx.org@$(HTMX_VERSION)'s minified build and licence from npm into internal/adminweb/assets,
## with a README.md recording the version, licence and checksums (internal/adminweb's tests check them).
panel-asset:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	tgz=htmx.org-$(HTMX_VERSION).tgz && \
	npm pack --silent --pack-destination "$$tmp" htmx.org@$(HTMX_VERSION) >/dev/null && \
	tar -xzf "$$tmp/$$tgz" -C "$$tmp" && \
	cp "$$tmp/package/dist/htmx.min.js" $(HTMX_DIR)/htmx.min.js && \
	cp "$$tmp/package/LICENSE" $(HTMX_DIR)/htmx.LICENSE && \
	integrity=$$(node -e 'const c = require("crypto"), fs = require("fs"); \
		console.log("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' \
		"$$tmp/$$tgz") && \
	licence=$$(node -p 'require(process.argv[1]).license' "$$tmp/package/package.json") && \
	sum=$$(sha256sum $(HTMX_DIR)/htmx.min.js | cut -d' ' -f1) && \
	{ \
	echo '# htmx, vendored'; \
	echo; \
	echo 'The admin panel (internal/adminweb) uses this copy of htmx, embedded in the binary so the panel needs no'; \
	echo 'network. `make panel-asset` (mk/adminweb.mk) wrote htmx.min.js and htmx.LICENSE from npm; do not edit them.'; \
	echo; \
	echo '- package: `htmx.org` (npm), https://htmx.org'; \
	echo "- version: \`$(HTMX_VERSION)\`"; \
	echo "- licence: \`$$licence\` (htmx.LICENSE)"; \
	echo "- npm integrity of $$tgz: \`$$integrity\`"; \
	echo "- sha256 of htmx.min.js: \`$$sum\`"; \
	echo '- files: the tarball'"'"'s dist/htmx.min.js and LICENSE, unchanged'; \
	} > $(HTMX_DIR)/README.md
