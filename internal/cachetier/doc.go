// Package cachetier is the one place Homekeep's caches decide where a value lives and how an invalidation
// beats a fill. A cache (authcache, accesscache, refcache, and the ones to come) is a Tier with a key
// layout and a codec, plus its own policy; it never branches on whether Valkey is configured.
//
// # Where values live
//
// With a Valkey connection, values live in Valkey and are read through valkey-go's client-side cache: a
// warm Get is process memory and costs no round trip, and Valkey pushes an invalidation to every process
// when the key changes. Without one, values live in an otter cache in process, bounded in size and time,
// and an invalidation reaches only this process.
//
// # The race every cache has
//
// A request misses, reads the source of truth (PostgreSQL), and fills the cache. If an invalidation runs
// between its read and its fill, the fill would put the old value back. Get therefore returns a Fill that
// records what it saw, and the tier refuses a fill that an invalidation overtook. Two guards exist:
//
//   - Generation: Invalidate increments the key's generation (and deletes the value); a fill stores only
//     while the generation is the one Get read, atomically in a Lua script in Valkey. The next miss after
//     an invalidation fills normally.
//   - Tombstone: Invalidate overwrites the key with a tombstone for the TTL and a fill is SET NX, so a
//     revoked key stays a miss until the tombstone expires. For facts revoked for good (tokens).
//
// In process the same rules hold with an invalidation stored as a tombstone entry carrying a generation;
// see local.go for why a bounded cache still refuses every overtaken fill.
//
// # State
//
// With Valkey a tier holds a bounded queue whose goroutine (started by the first fill) writes fills in the
// background, so a miss adds no latency to its request; Close stops it. It also remembers for a minute the
// keys this process invalidated, because Valkey pushes the invalidation of this process's own client-side
// copy only after replying to the command: until its own fill lands, this process reads those keys from
// the source.
//
// # Failure handling
//
// Nothing in a tier is authoritative. A Valkey that is unreachable makes Get a miss that stores nothing
// (the caller reads the source), a fill is dropped when the queue is full or the write fails (a later miss
// fills again), and Invalidate returns the error so the caller can log it or, for revocations, retry.
package cachetier
