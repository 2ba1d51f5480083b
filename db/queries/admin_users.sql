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

-- name: AdminUserList :many
-- Every admin account, active or not, by email (GET /api/admin/admins).
SELECT * FROM admin_users ORDER BY lower(email), id;

-- name: AdminUserGetForUpdate :one
-- An admin account, locked until the transaction ends (deactivation and reactivation).
SELECT * FROM admin_users WHERE id = @id FOR UPDATE;

-- name: AdminUserLockActiveOwners :many
-- Locks the active owners and returns their ids: two owners deactivating each other at once run one after
-- the other, and the second sees the first's change, so the last active owner is never deactivated.
SELECT id FROM admin_users WHERE role = 'owner' AND is_active ORDER BY id FOR UPDATE;

-- name: AdminUserSetActive :one
UPDATE admin_users SET is_active = @is_active WHERE id = @id RETURNING *;

-- name: AdminTokenDeleteOfAdmin :execrows
-- Revokes every token of an admin (deactivation).
DELETE FROM admin_tokens WHERE admin_user_id = @admin_user_id;

-- name: AdminTokenDeleteExpired :execrows
-- Forgets expired admin tokens (they are refused anyway); the periodic purge calls it.
DELETE FROM admin_tokens WHERE expires_at <= now();
