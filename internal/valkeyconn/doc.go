// Package valkeyconn is Homekeep's connection to Valkey (or Redis 7+), the cache every process shares. It is
// a connection, not a cache: the caches (internal/cachetier and the packages built on it) and the rate
// limiter use it.
//
// Every Valkey call Homekeep makes goes through its wrappers (Do, DoMulti, DoCache, DoMultiCache, Exec),
// which count network round trips (a client-side cache hit is not one) so tests can hold the hot paths to
// their budget, and which keep a lost Valkey from stalling requests.
//
// # State
//
// Conn holds a valkey-go client that may not exist yet: Connect tries once and, if Valkey is unreachable,
// retries in the background every ReconnectInterval until Close (valkey-go reconnects by itself once it has
// connected). It also holds the round-trip counters (calls made with a Background context are counted
// apart) and the end of the current cooldown.
//
// # Failure handling
//
// The connection is optional and may come and go: the server starts without it, serves from PostgreSQL,
// reports itself degraded, and keeps trying. Each call has a short deadline (CallTimeout), and after a
// connection failure calls fail at once for Cooldown with ErrUnavailable, so callers fall back to
// PostgreSQL. ErrUnavailable says Unavailable(), which internal/apierror answers with 503 without importing
// this package.
package valkeyconn
