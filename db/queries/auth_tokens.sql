-- name: AuthTokenRevoke :exec
-- Logout: deletes the token and records its revocation for Valkey (token_tombstones) in the same statement,
-- so the revocation holds even if Valkey cannot be told now.
WITH revoked AS (
    DELETE FROM auth_tokens WHERE auth_tokens.token_hash = @token_hash RETURNING auth_tokens.token_hash
)
INSERT INTO token_tombstones (token_hash)
SELECT revoked.token_hash FROM revoked
ON CONFLICT (token_hash) DO NOTHING;

-- name: AuthTokenUser :one
-- The cold authentication path: ONE statement joins the token to its (active) user. It also refreshes
-- last_used_at, at most every 5 minutes so that the row is not rewritten on every cold lookup.
WITH touch AS (
    UPDATE auth_tokens SET last_used_at = now()
    WHERE auth_tokens.token_hash = @token_hash AND auth_tokens.last_used_at < now() - interval '5 minutes'
)
SELECT sqlc.embed(u)
FROM auth_tokens t
INNER JOIN users u ON u.id = t.user_id
WHERE t.token_hash = @token_hash AND u.is_active;
