// Package idempotency makes the API's creating POSTs safe to retry (issue 19): a request that carries an
// Idempotency-Key header runs its work in one transaction with a guard on (caller, key), and its first
// success's response (status, the headers the API set, body) is stored in idempotency_keys in that same
// transaction, so the work and the stored response commit together or not at all. A retry with the same key
// and the same request within 24 hours gets the stored response back (with Idempotent-Replayed: true)
// without the work running again; the same key with another request is refused (422
// idempotency_key_reused); a retry while the first is still running is refused (409 request_in_progress,
// Retry-After: 1). Only a 2xx is stored: any other answer rolls the transaction back, so a retry decides
// afresh.
//
// It has two halves because ogen encodes a response after its middleware returns: Wrap, around the API's
// http.Handler, hashes the body as the server reads it and holds back the response of a keyed request until
// it has stored it and committed; Middleware, the last ogen middleware, knows the operation and the
// authenticated caller, takes the guard and opens the transaction (package txscope routes the handler's
// statements into it and defers its after-commit work). A request without the header costs nothing more
// than a header lookup.
//
// Round trips of a keyed create: [BEGIN, lock, lookup, SAVEPOINT] in one pipelined batch, the handler's
// statement(s), then [INSERT the response, COMMIT] in one batch: 3 for a one-statement create, against 1
// without a key (TestKeyCostsTwoRoundTripsAndNoKeyNothing). A replay or a refusal costs 2: the guard batch
// and its ROLLBACK.
//
// A keyed upload stores its file before the transaction commits; when the transaction then rolls back, the
// file is deleted with it (txscope.OnRollback); only a process that dies in between leaves an orphan, which
// the file sweep deletes once a day old (package filesweep).
package idempotency
