// Package authcache keeps the facts token authentication needs close to the process, so that a warm
// authenticated request costs no SQL statement and no network round trip:
//
//   - token hash → user id: a cachetier.Tier with tombstones, in Valkey under auth_token:<sha256 hex> and
//     read through valkey-go's client-side cache (a hit is process memory; the server pushes an
//     invalidation when the key changes). Without Valkey it is an otter cache in process.
//   - user id → user: otter in process, bounded in size, evicted everywhere by a message on a Valkey
//     channel that every process subscribes to.
//
// Resolve is the whole read path (cache, then the caller's one SQL statement, then the fills), so the
// policy of when to fill lives here and the security handler only supplies the statement; Remember caches a
// token just issued.
//
// # Revocation
//
// RevokeTokens overwrites the token keys with a tombstone before the response is sent, which a fill that
// raced it cannot overwrite (SET NX); the process that revoked rejects the hashes at once, even before the
// server's invalidation of its own client-side copy arrives. Revocations are durable: the statement that
// revokes also records the hashes in PostgreSQL (a TombstoneStore), and any process writes the tombstones
// that could not be written at the time (tombstones.go).
//
// # State
//
// With Valkey, a Cache runs three goroutines until Close: the eviction subscriber, the retry of tombstones
// this process could not write, and the sweep that delivers recorded revocations (once Start is called).
// subscribed says whether the eviction channel is subscribed and the recorded revocations delivered; only
// then are the tiers trusted. Without Valkey, subscribed is always true and one goroutine forgets recorded
// revocations older than the token TTL.
//
// # Failure handling
//
// Nothing here is authoritative: every miss falls back to PostgreSQL. A revocation that cannot reach
// Valkey still succeeds (it is stored in PostgreSQL); its tombstones are retried from memory and delivered
// from the record. A process that has lost its subscription stops using its caches until it has
// resubscribed and delivered the recorded revocations, because it could not learn of evictions meanwhile
// and Valkey may have come back with revoked tokens' entries.
package authcache
