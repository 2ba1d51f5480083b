// Package dbpool builds the PostgreSQL connection pool the way Homekeep's round-trip budget needs it: every
// statement costs exactly one round trip, idle connections are never pinged on acquire, and the pool is
// full and pinged before the server takes traffic (see Warm).
//
// # Overview
//
// New configures pgxpool: statements run in pgx's QueryExecModeExec (parse, bind and execute in one round
// trip), a connection is never pinged on acquire (a read on a dead one is repeated by DB), and the hot
// statements the caller lists are prepared on every connection: when it opens, or, for one opened for a
// waiting request (which would otherwise wait for the preparation), right after that request releases it
// and before it serves another (see preparer). Behind a transaction-mode pooler nothing is cached per
// connection. Warm then waits for the pool's connections, pings each and prepares the hot statements on it,
// so the first request after a deploy costs what any other does.
//
// DB wraps the pool for the request handlers. It satisfies sqlc's DBTX, and on the path where the connection
// works it adds no round trip and no ping.
//
// # State
//
// The package keeps no state of its own beyond the pool; whether a connection's hot statements were
// prepared is marked in that connection's pgconn custom data. A DB shares one sweeper among its copies, so
// that concurrent requests that all met dead connections wait for one sweep of the pool's idle connections
// instead of starting one each.
//
// # Failure handling
//
// A connection PostgreSQL closed (a failover, a restart, a pooler restart, pg_terminate_backend) is told
// apart from every other error by ConnectionLost. DB then:
//   - sweeps the pool: pings every idle connection at once, so the dead ones are dropped and the next
//     request, a write too, finds a live one
//   - repeats the statement once on a live connection when that cannot apply anything twice: a read (Reads,
//     or any statement of a GET or HEAD request), a BEGIN, or a statement pgx knows never reached the server
//   - never repeats a write that was sent, a statement inside a transaction or a batch: whether it committed
//     is unknown, so the caller answers 503 and the client decides
//
// A server that cannot be reached at all is not a lost connection: nothing is repeated, and Explain turns
// pgx's connection error into one line that names the address and says what to check.
package dbpool
