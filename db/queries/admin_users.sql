-- name: AdminUserCreate :one
INSERT INTO admin_users (email, password_hash, role)
VALUES (@email, @password_hash, @role)
RETURNING *;

-- name: AdminUserGetByEmail :one
SELECT * FROM admin_users WHERE lower(email) = lower(@email);

-- name: AdminUserSignedIn :exec
UPDATE admin_users SET last_sign_in_at = now() WHERE id = @id;

-- name: AdminTokenCreate :exec
INSERT INTO admin_tokens (token_hash, admin_user_id, expires_at)
VALUES (@token_hash, @admin_user_id, @expires_at);

-- name: AdminTokenUser :one
-- An admin token's active admin, if the token exists and has not expired.
SELECT sqlc.embed(a)
FROM admin_tokens t
INNER JOIN admin_users a ON a.id = t.admin_user_id
WHERE t.token_hash = @token_hash AND t.expires_at > now() AND a.is_active;

-- name: AdminTokenDelete :exec
DELETE FROM admin_tokens WHERE token_hash = @token_hash;
