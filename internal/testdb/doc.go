// Package testdb gives each test its own PostgreSQL database with the schema already applied.
//
// # Overview
//
// Running migrations for every test would dominate test time, and sharing one database would make parallel
// tests step on each other. Instead the embedded migrations are applied once to a template database, and each
// test gets a copy made with CREATE DATABASE ... TEMPLATE, which takes milliseconds. New returns the copy's
// URL; Pool returns a pool on it that is closed before the copy is dropped when the test ends, so a test run
// leaves nothing behind except the template, which later runs reuse.
//
// The server is taken from TEST_DATABASE_URL (a postgres:// URL naming a database the tests may connect to
// and a role allowed to create databases), by default postgres://postgres@127.0.0.1:5432/postgres.
//
// # State
//
// The template's name is derived from a hash of the migrations, so every package's test binary (go test runs
// them as separate processes) and every later run shares it until the migrations change; a new migration
// simply gets a new template. A template is complete once it carries a marker comment, set as the last step
// of building it, and it refuses connections, so that a stray session (a developer's psql) cannot keep it from
// being copied. Within one process the template is looked up once.
//
// # Failure handling
//
//   - a PostgreSQL advisory lock, per template name, makes one process build the template while the others
//     wait; processes testing other migrations (another branch against the same server) do not wait
//   - a template without the marker was left half-built by an interrupted run: it is dropped and built again,
//     and a build that fails drops what it made
//   - a copy that PostgreSQL refuses because a just-closed session on the template is still going away is
//     retried with backoff
//   - a copy is dropped WITH (FORCE), so a connection a test leaked cannot keep it alive
//   - URLs in errors have their password hidden
package testdb
