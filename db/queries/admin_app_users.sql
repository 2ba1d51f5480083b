-- The admin API's view of app users (package admin): lists, one user's detail, and the operator's actions on
-- an account by id. Admin accounts themselves are in admin_users.sql.

-- name: AppUserGet :one
-- One user with the residences they belong to (and their role in each), what they created, their devices and
-- the tier their limits come from now (the subscription counts only while it lasts, as user_tier decides).
SELECT u.id, u.email, u.first_name, u.last_name, u.timezone, u.is_active, u.email_verified_at, u.last_login_at,
       u.created_at,
       coalesce(s.tier, 'free')::text AS tier, coalesce(s.source, 'none')::text AS tier_source,
       s.entitled_until AS tier_until,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name, 'role', m.role) ORDER BY r.id)
                 FROM residence_members m JOIN residences r ON r.id = m.residence_id
                 WHERE m.user_id = u.id), '[]')::jsonb AS residences,
       (SELECT count(*) FROM tasks t WHERE t.created_by = u.id)::bigint AS tasks,
       (SELECT count(*) FROM documents d WHERE d.created_by = u.id)::bigint AS documents,
       (SELECT count(*) FROM notification_devices nd WHERE nd.user_id = u.id)::bigint AS devices
FROM users u
LEFT JOIN subscriptions s ON s.user_id = u.id AND (s.entitled_until IS NULL OR s.entitled_until > now())
WHERE u.id = @id;

-- name: AppUserList :many
-- One page of users, newest first, matching the optional pattern (an ILIKE pattern over the email and the
-- name) and active filter, after the cursor's id; every row carries the total that match, so a page and its
-- total are one statement.
WITH matched AS (
    SELECT u.id, u.email, u.first_name, u.last_name, u.is_active, u.email_verified_at, u.last_login_at,
           u.created_at, count(*) OVER () AS total
    FROM users u
    WHERE (sqlc.narg(pattern)::text IS NULL
           OR u.email ILIKE sqlc.narg(pattern)::text
           OR (u.first_name || ' ' || u.last_name) ILIKE sqlc.narg(pattern)::text)
      AND (sqlc.narg(active)::boolean IS NULL OR u.is_active = sqlc.narg(active)::boolean)
)
SELECT m.id, m.email, m.first_name, m.last_name, m.is_active, m.email_verified_at, m.last_login_at, m.created_at,
       user_tier(m.id)::text AS tier, m.total::bigint AS total
FROM matched m
WHERE sqlc.narg(before_id)::bigint IS NULL OR m.id < sqlc.narg(before_id)::bigint
ORDER BY m.id DESC
LIMIT @max_rows;

-- name: AppUserSetActive :many
-- UserSetActive by id (see users.sql): activates or deactivates the user; deactivating also deletes their
-- tokens, records the revocations for Valkey (token_tombstones) and returns the hashes so their cache keys
-- can be revoked. Every row carries the user id and whether the user was active before (one row with a NULL
-- hash when there were no tokens); no row: no such user.
WITH prev AS (
    SELECT pu.id, pu.is_active FROM users pu WHERE pu.id = @id
), target AS (
    UPDATE users SET is_active = @is_active, updated_at = now()
    WHERE users.id = @id
    RETURNING users.id
), revoked AS (
    DELETE FROM auth_tokens
    WHERE auth_tokens.user_id IN (SELECT target.id FROM target) AND NOT @is_active::boolean
    RETURNING auth_tokens.token_hash
), tombstones AS (
    INSERT INTO token_tombstones (token_hash)
    SELECT revoked.token_hash FROM revoked
    ON CONFLICT (token_hash) DO NOTHING
)
SELECT target.id, prev.is_active AS was_active, revoked.token_hash
FROM target JOIN prev ON prev.id = target.id LEFT JOIN revoked ON true;

-- name: AppUserSetTier :one
-- SubscriptionSetByOperator by id (see subscriptions.sql): the user's tier as an operator's grant, until
-- @entitled_until (NULL: no end). No row: no such user.
INSERT INTO subscriptions (user_id, tier, source, store, entitled_until, auto_renew, updated_at)
SELECT u.id, @tier, 'admin', NULL, sqlc.narg(entitled_until)::timestamptz, false, now() FROM users u WHERE u.id = @id
ON CONFLICT (user_id) DO UPDATE
SET tier = excluded.tier, source = 'admin', store = NULL, entitled_until = excluded.entitled_until,
    auto_renew = false, updated_at = now()
RETURNING user_id;
