-- Idempotency keys (db/migrations/00029_idempotency_keys.sql, package idempotency). The guard of a keyed
-- request is IdempotencyKeyLock then IdempotencyKeyGet, two statements so that the lookup's snapshot is
-- taken after the lock is held: a first request that committed while this one waited for the lock is seen.

-- name: IdempotencyKeyLock :one
-- Takes the transaction-level advisory lock of a (user, key) without waiting; false means another request
-- with the same key holds it (is still running).
SELECT pg_try_advisory_xact_lock(sqlc.arg(lock_id)::bigint) AS locked;

-- name: IdempotencyKeyGet :one
-- The stored first response of a key, while it is answered (24 hours).
SELECT request_hash, operation, response_status, response_headers, response_body
FROM idempotency_keys
WHERE user_id = @user_id AND key = @key AND created_at > now() - interval '24 hours';

-- name: IdempotencyKeyStore :exec
-- Stores the response of the key's first success, in the transaction of the work. An expired row of the same
-- key that the purge has not deleted yet is replaced; a live one cannot exist (the guard found none under
-- the lock).
INSERT INTO idempotency_keys (user_id, key, operation, request_hash, response_status, response_headers, response_body)
VALUES (@user_id, @key, @operation, @request_hash, @response_status, @response_headers, @response_body)
ON CONFLICT (user_id, key) DO UPDATE
SET operation = excluded.operation, request_hash = excluded.request_hash, response_status = excluded.response_status,
    response_headers = excluded.response_headers, response_body = excluded.response_body, created_at = now()
WHERE idempotency_keys.created_at <= now() - interval '24 hours';

-- name: IdempotencyKeysPurge :execrows
-- Deletes the keys stored before cutoff (24 hours ago).
DELETE FROM idempotency_keys WHERE created_at < @cutoff;
