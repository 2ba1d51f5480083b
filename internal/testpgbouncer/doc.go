// Package testpgbouncer runs Debian's PgBouncer in transaction mode in front of the test PostgreSQL, so
// tests exercise DB_POOLER=pgbouncer-transaction against the real pooler rather than PostgreSQL directly.
// A test that needs it is skipped, with a message saying how to install it, when the binary is absent.
package testpgbouncer
