# Node tools (tools/package.json, versions pinned by tools/package-lock.json): installed once, again when the lock
# file changes. Other mk files depend on $(NODE_TOOLS) and run the tools from $(NODE_BIN).
NODE_TOOLS = tools/node_modules/.package-lock.json
NODE_BIN = tools/node_modules/.bin

$(NODE_TOOLS): tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
