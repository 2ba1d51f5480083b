// Package boardversion keeps a version per residence, and one for the lookup names, so that a board whose
// residences have not changed is recognised without SQL: its ETag is computed from the versions (and each
// residence's local date), and If-None-Match is answered 304 before any statement runs.
//
// # Overview
//
// A version is an opaque random string. Every write that changes anything a card shows (the task, its
// completions, its category, priority and frequency names, its assignee's or contractor's name, the
// residence's timezone) or who sees a residence bumps the version of each residence it touched, after its
// transaction committed and before its response is sent. The residence's timezone is kept beside its
// version, so the reader knows each residence's local date without asking PostgreSQL.
//
// With a Valkey connection the versions live in Valkey under board_version:<residence id> (the lookups under
// board_version:lookups) and the timezones under residence_timezone:<residence id>, read through valkey-go's
// client-side cache with one call for all of a caller's residences: warm, that is process memory and no round
// trip, and Valkey pushes an invalidation to every process when a key changes. Without one, the versions live
// in process and a bump reaches only this process; they expire after LocalTTL, so another process's stale
// answer lasts no longer than that.
//
// # Invariants
//
// These keep a 304 from ever hiding a change; the board reader and every writer rely on them.
//
//   - A bump sets a fresh random value, never an increment: a Valkey that lost its keys would restart counters
//     and an old ETag could match new content. It never deletes either: a missing version is filled, and a
//     fill racing a bump must not be able to bring an old value back.
//   - The reader reads the versions before it runs the data statement, and a board is tagged or cached only
//     under versions read before its statement ran. A missing version is filled (SET NX GET: a fresh random
//     value unless another process stored one first, whose value is then used) before the statement too.
//   - Writers bump after commit and before the response, so the client that wrote never gets a stale 304.
//
// # State
//
// Valkey pushes the invalidation of this process's own client-side copy only after replying to the command
// that changed the key, so right after its own bump this process could still read the old copy. It
// therefore remembers, for a minute, the value it last wrote or read uncached for each key, and trusts its
// client-side copy of such a key only once the copy shows that value; until then it reads the key uncached.
//
// # Failure handling
//
// Read returns an error when any version cannot be read: the caller then serves the board from its statement
// and tags it from the rows, never from stale data. A bump that fails leaves the process "dirty": its reads
// fail (so its boards come from the statement) until it has bumped the lookups version, which changes every
// board's ETag and so covers the bumps that were lost; it retries every RetryInterval in the background. A
// timezone that could not be written is deleted at that point, so it is read again from PostgreSQL.
package boardversion
