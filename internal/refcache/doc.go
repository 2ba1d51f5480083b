// Package refcache caches one reference document (the static data: lookup tables the app renders forms
// from) so that serving it costs no database round trip and, warm, no network round trip at all.
//
// # Overview
//
// It is a cachetier.Tier with a generation guard and a single key: with Valkey the encoded document lives
// under one key read through valkey-go's client-side cache, and an admin change of lookups (or `homekeep
// seed`) invalidates it for every process. A starting server refreshes it instead (reference's
// RefreshStaticData): it leaves a current copy alone, replaces one that differs from PostgreSQL and fills a
// missing one, so the first request after a deploy finds it cached.
//
// # State
//
// With Valkey the document lives there for at most a day even if an invalidation were lost; a fill is
// written in the background, like every cache fill, so a miss costs its request the one SQL statement and
// nothing else. Without Valkey the document is kept in process for LocalTTL, since another process's change
// could not be announced.
//
// # Failure handling
//
// A fill that read PostgreSQL before an invalidation and lands after it is refused, so stale reference data
// never sticks. An unreachable Valkey makes a lookup a miss, served from PostgreSQL (see cachetier).
package refcache
