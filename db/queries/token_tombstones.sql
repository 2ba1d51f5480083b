-- Revocations waiting to reach Valkey (see db/migrations/00010_token_tombstones.sql). The statements that
-- revoke tokens insert the rows; these read and forget them.

-- name: TokenTombstoneDelete :exec
-- Forgets revocations whose tombstones are now in Valkey.
DELETE FROM token_tombstones WHERE token_hash = ANY(@token_hashes::bytea[]);

-- name: TokenTombstoneDeleteBefore :execrows
-- Forgets revocations recorded before the cutoff: every cache entry they could contradict has expired.
DELETE FROM token_tombstones WHERE revoked_at < @cutoff;

-- name: TokenTombstoneList :many
-- The oldest recorded revocations, at most max_rows; with none recorded this reads one index page.
SELECT token_hash FROM token_tombstones ORDER BY revoked_at LIMIT @max_rows;
