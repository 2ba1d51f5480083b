-- name: AuthTokenDelete :exec
DELETE FROM auth_tokens WHERE token_hash = @token_hash;

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
