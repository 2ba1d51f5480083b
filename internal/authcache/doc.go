// Package authcache keeps the facts token authentication needs close to the process, so that a warm
// authenticated request costs no SQL statement and no network round trip:
//
//   - token hash → user id: a cachetier.Tier with tombstones, in Valkey under auth_token:<sha256 hex> and
//     read through valkey-go's client-side cache (a hit is process memory; the server pushes an
//     invalidation when the key changes). Without Valkey it is an otter cache in process.
//   - user id → user: otter in process, bounded in size, over a cachetier.Tier in Valkey (user:<id>, JSON,
//     a Generation guard, read through the client-side cache), so a restarted process, or one whose
//     in-process entry expired, finds the user without SQL. EvictUser deletes the Valkey entry (which
//     invalidates every process's client-side copy and refuses a fill that read the old user) and
//     publishes the id on a channel every process subscribes to, which drops the in-process entries.
//     Without Valkey it is otter only (users.go).
//
// Resolve is the whole read path (cache, then the caller's one SQL statement, then the fills), so the
// policy of when to fill lives here and the security handler only supplies the statement; Remember caches a
// token just issued. Begin and Miss.Complete are Resolve in two halves, for a request that reads the user in
// the same round trip as its data (internal/app's ReadAuthenticated): the Miss carries the guards Begin saw,
// so a revocation or eviction that comes before Complete wins exactly as it does against Resolve.
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
// this process could not write (and user evictions that could not reach Valkey), and the sweep that delivers
// recorded revocations (once Start is called); the tiers' write queues, and the one that puts a signed-in
// user into Valkey, start a goroutine at their first write.
// subscribed says whether the eviction channel is subscribed and the recorded revocations delivered; only
// then are the tiers trusted. Without Valkey, subscribed is always true and one goroutine forgets recorded
// revocations older than the token TTL.
//
// # Failure handling
//
// Nothing here is authoritative: every miss falls back to PostgreSQL. A user eviction that cannot delete the
// Valkey entry is retried (with the tombstones) and announced again once it succeeds; if the process dies
// first, the old user can be served until the entry's TTL (a deactivation also revokes the tokens, durably). A revocation that cannot reach
// Valkey still succeeds (it is stored in PostgreSQL); its tombstones are retried from memory and delivered
// from the record. A process that has lost its subscription stops using its caches until it has
// resubscribed and delivered the recorded revocations, because it could not learn of evictions meanwhile
// and Valkey may have come back with revoked tokens' entries.
package authcache
