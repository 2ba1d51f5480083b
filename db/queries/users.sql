-- name: UserDelete :one
-- Deletes the user in one statement: its tokens, recording their revocations for Valkey (token_tombstones);
-- its personal contractors; and the user, with its codes and the residences it owns (and everything in them)
-- cascading. Returns the revoked token hashes, so their cache keys can be revoked, the storage keys of
-- the files of the documents in those residences, read before the delete, so the files can be deleted once
-- this statement has committed, and the residences whose cards change (those it owns, and those of the tasks
-- it created, is assigned or whose personal contractor it names), whose board versions the caller bumps. No
-- row: the user was already gone.
WITH revoked AS (
    DELETE FROM auth_tokens WHERE user_id = @id RETURNING token_hash
), tombstones AS (
    INSERT INTO token_tombstones (token_hash)
    SELECT revoked.token_hash FROM revoked
    ON CONFLICT (token_hash) DO NOTHING
), files AS (
    SELECT coalesce(array_agg(d.storage_key) FILTER (WHERE d.storage_key IS NOT NULL), '{}')::text[] AS storage_keys
    FROM documents d INNER JOIN residences r ON r.id = d.residence_id
    WHERE r.owner_id = @id
), boards AS (
    SELECT coalesce(array_agg(b.id), '{}')::bigint[] AS residence_ids
    FROM (SELECT r.id FROM residences r WHERE r.owner_id = @id
          UNION
          SELECT t.residence_id FROM tasks t
          WHERE t.created_by = @id OR t.assigned_to = @id
             OR t.contractor_id IN (SELECT pc.id FROM contractors pc WHERE pc.created_by = @id AND pc.residence_id IS NULL)) b
), personal AS (
    -- Personal contractors go with their owner; a residence's contractors stay (their creator link clears).
    DELETE FROM contractors WHERE created_by = @id AND residence_id IS NULL
), deleted AS (
    DELETE FROM users WHERE id = @id RETURNING id
)
SELECT (SELECT coalesce(array_agg(revoked.token_hash), '{}') FROM revoked)::bytea[] AS token_hashes,
       files.storage_keys, boards.residence_ids AS board_residence_ids
FROM files, boards, deleted;

-- name: UserGetActive :one
SELECT * FROM users WHERE id = @id AND is_active;

-- name: UserGetByEmail :one
SELECT * FROM users WHERE lower(email) = lower(@email);

-- name: UserLogin :one
-- Records a successful sign-in and issues its token in one statement.
WITH token AS (
    INSERT INTO auth_tokens (token_hash, user_id, client_label)
    VALUES (@token_hash, @id, @client_label)
)
UPDATE users SET last_login_at = now()
WHERE users.id = @id
RETURNING *;

-- name: UserMarkEmailVerified :one
UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
WHERE id = @id
RETURNING *;

-- name: UserRegister :one
-- Creates the user, its first token and the job that emails its verification code (see EmailCodeRequest) in
-- one statement. job_metadata is the job's metadata (telemetry.JobMetadata: the request's traceparent, which
-- the job's span links to). timezone_set says the user chose the timezone; without it, the first residence's replaces it. A duplicate email fails with a unique violation on users_email_lower_key, and enqueues
-- nothing.
WITH new_user AS (
    INSERT INTO users (email, password_hash, first_name, last_name, timezone, timezone_set)
    VALUES (@email, @password_hash, @first_name, @last_name, @timezone, @timezone_set)
    RETURNING *
), token AS (
    INSERT INTO auth_tokens (token_hash, user_id, client_label)
    SELECT @token_hash, id, @client_label FROM new_user
), code_job AS (
    INSERT INTO river_job (kind, queue, max_attempts, args, metadata)
    SELECT @job_kind, @job_queue, @job_max_attempts, jsonb_build_object('user_id', id, 'purpose', 'verify'),
           sqlc.arg(job_metadata)::text::jsonb
    FROM new_user
    RETURNING pg_notify(concat(current_schema(), '.river_insert'), json_build_object('queue', queue)::text)
)
SELECT * FROM new_user;

-- name: UserSetActive :many
-- Activates or deactivates the account with this email. Deactivating also deletes its tokens, records their
-- revocations for Valkey (token_tombstones) and returns their hashes so their cache keys can be revoked; the
-- user id comes back with every row (and alone, with a NULL hash, when there were no tokens).
WITH target AS (
    UPDATE users SET is_active = @is_active, updated_at = now()
    WHERE lower(email) = lower(@email)
    RETURNING id
), revoked AS (
    DELETE FROM auth_tokens
    WHERE user_id IN (SELECT id FROM target) AND NOT @is_active::boolean
    RETURNING token_hash
), tombstones AS (
    INSERT INTO token_tombstones (token_hash)
    SELECT revoked.token_hash FROM revoked
    ON CONFLICT (token_hash) DO NOTHING
)
SELECT target.id, revoked.token_hash FROM target LEFT JOIN revoked ON true;

-- name: UserSetPassword :many
-- Changes the password and revokes every token of the user except keep_token_hash (NULL revokes all),
-- recording the revocations for Valkey (token_tombstones); returns the revoked hashes so their cache keys can
-- be revoked.
WITH updated AS (
    UPDATE users SET password_hash = @password_hash, updated_at = now()
    WHERE id = @id
    RETURNING id
), revoked AS (
    DELETE FROM auth_tokens
    WHERE auth_tokens.user_id = (SELECT id FROM updated)
      AND auth_tokens.token_hash IS DISTINCT FROM sqlc.narg(keep_token_hash)::bytea
    RETURNING auth_tokens.token_hash
), tombstones AS (
    INSERT INTO token_tombstones (token_hash)
    SELECT revoked.token_hash FROM revoked
    ON CONFLICT (token_hash) DO NOTHING
)
SELECT revoked.token_hash FROM revoked;

-- name: UserUpdatePasswordHash :exec
-- Rewrites a password hash with current parameters after a successful sign-in (no token is revoked).
UPDATE users SET password_hash = @password_hash WHERE id = @id;

-- name: UserUpdateProfile :one
-- Changes the fields given, and returns the user with the residences of the tasks assigned to it (their
-- cards show its name), whose board versions the caller bumps when the name changed.
WITH u AS (
    UPDATE users
    SET first_name     = coalesce(sqlc.narg(first_name)::text, users.first_name),
        last_name      = coalesce(sqlc.narg(last_name)::text, users.last_name),
        timezone       = coalesce(sqlc.narg(timezone)::text, users.timezone),
        timezone_set   = users.timezone_set OR sqlc.narg(timezone)::text IS NOT NULL,
        days_threshold = coalesce(sqlc.narg(days_threshold)::integer, users.days_threshold),
        updated_at     = now()
    WHERE users.id = @id
    RETURNING users.*
)
SELECT u.*,
       coalesce((SELECT array_agg(DISTINCT t.residence_id) FROM tasks t WHERE t.assigned_to = u.id),
                '{}')::bigint[] AS assigned_residence_ids
FROM u;
