// Package accesscache remembers which residences each user can access, so the read paths that need the list
// (residences, contractors, documents, and task paths whose query cannot embed the check) skip the lookup.
//
// # Overview
//
// It is a cachetier.Tier with a generation guard: with Valkey the list lives under residence_ids_user:<id>
// (its generation under residence_ids_gen:<id>), read through valkey-go's client-side cache, so warm it is
// process memory, and when the key changes Valkey tells every process. Without Valkey the same rules hold in
// process.
//
// # State
//
// Every membership change invalidates the affected users before its response is sent. Fills are written in
// the background (see cachetier), so a miss costs its request the list's query and nothing else.
//
// # Failure handling
//
// A request that read the list from PostgreSQL just before a membership change cannot put the old list
// back: its fill is refused. An unreachable Valkey makes a lookup a miss, and the list is read from
// PostgreSQL (see cachetier).
package accesscache
