// Package pgembed runs a private PostgreSQL cluster for local development, so `make run` works on a machine
// with PostgreSQL installed but no database configured (DATABASE_URL unset).
//
// # Overview
//
// The cluster lives in a data directory of the caller's choosing (./.data/postgres for `make run`). The first
// Start runs initdb there; later starts reuse it, so data survives restarts. The server listens on a free
// loopback TCP port and on a unix socket inside the data directory (a temporary directory when that path is
// too long for a socket), with trust authentication and durability switched off because the data is
// disposable. URL reaches it as the postgres superuser over the socket. The package drives PostgreSQL's own
// programs (initdb, pg_ctl): those on PATH, else the highest version under Debian's install directory; it
// embeds no server, and without those programs Start returns ErrNoBinaries.
//
// PostgreSQL refuses to run as root, so when the program runs as root the package runs the server programs as
// the postgres system user that Debian's package creates, makes the directories above the data directory
// traversable for it, and hands it the data directory.
//
// # State
//
// All state is on disk, in the data directory; a Cluster only remembers the port and socket of the server
// it started. A server an earlier run left running (a crash, a second Ctrl-C) is stopped by Start rather than
// adopted, because its port is unknown and it may outlive this process, so Start always ends with a server
// it owns. Stop shuts it down in pg_ctl's fast mode; stopping twice is a no-op.
//
// # Failure handling
//
//   - initdb that rejects the C.UTF-8 locale is run again with C
//   - a failed or cancelled start stops whatever pg_ctl may have launched, with a fresh timeout
//   - errors end with the tail of the program's output or of the server log, where the reason is
//   - Stop with an already cancelled context kills pg_ctl and leaves the server running, so callers pass a
//     fresh context at shutdown
package pgembed
