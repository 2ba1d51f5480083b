// Package importrules holds no code, only a test that keeps the module's import graph in its intended shape:
// the generated query package (internal/gen/dbsqlc) is imported only by the data-access code under
// internal/app, and generated code (internal/gen/...) imports nothing hand-written of ours. The test reads the
// graph from `go list`, so it sees test imports too and needs no configuration kept in step with the tree.
package importrules
