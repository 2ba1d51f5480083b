-- The admin API's view of every household's residences, tasks, contractors and documents (package admin):
-- lists with their totals, one of each, and the deletes and the one task edit an operator may make. Unlike
-- the app's statements these check no membership (the admin's role is checked before), but each change
-- returns what the app's own returns, so the same caches are told and the same files deleted.

-- name: ContractorAdminDelete :one
-- ContractorDelete without the caller check: tasks and completions that named it keep existing without it.
-- Returns how many were deleted and the residences of the tasks that named it, read before the delete.
WITH del AS (
    DELETE FROM contractors c WHERE c.id = @id RETURNING c.id
)
SELECT (SELECT count(*) FROM del)::bigint AS deleted,
       coalesce((SELECT array_agg(DISTINCT t.residence_id) FROM tasks t
                 WHERE t.contractor_id IN (SELECT del.id FROM del)), '{}')::bigint[] AS task_residence_ids;

-- name: ContractorAdminGet :one
SELECT sqlc.embed(c) FROM contractors c WHERE c.id = @id;

-- name: ContractorAdminList :many
-- One page of contractors, newest first, with the total that match on every row.
WITH matched AS (
    SELECT c.id, count(*) OVER () AS total
    FROM contractors c
    WHERE (sqlc.narg(pattern)::text IS NULL OR c.name ILIKE sqlc.narg(pattern)::text
           OR c.company ILIKE sqlc.narg(pattern)::text)
      AND (sqlc.narg(residence_id)::bigint IS NULL OR c.residence_id = sqlc.narg(residence_id)::bigint)
      AND (sqlc.narg(user_id)::bigint IS NULL OR c.created_by = sqlc.narg(user_id)::bigint)
)
SELECT sqlc.embed(c), m.total::bigint AS total
FROM matched m JOIN contractors c ON c.id = m.id
WHERE sqlc.narg(before_id)::bigint IS NULL OR c.id < sqlc.narg(before_id)::bigint
ORDER BY c.id DESC
LIMIT @max_rows;

-- name: DocumentAdminDelete :one
-- DocumentDelete without the caller check: returns its file's storage key (NULL without a file), to be
-- deleted once this has committed. No row: no such document.
DELETE FROM documents d WHERE d.id = @id RETURNING d.storage_key;

-- name: DocumentAdminGet :one
SELECT sqlc.embed(d) FROM documents d WHERE d.id = @id;

-- name: DocumentAdminList :many
-- One page of documents, newest first, with the total that match on every row.
WITH matched AS (
    SELECT d.id, count(*) OVER () AS total
    FROM documents d
    WHERE (sqlc.narg(pattern)::text IS NULL OR d.title ILIKE sqlc.narg(pattern)::text)
      AND (sqlc.narg(residence_id)::bigint IS NULL OR d.residence_id = sqlc.narg(residence_id)::bigint)
      AND (sqlc.narg(user_id)::bigint IS NULL OR d.created_by = sqlc.narg(user_id)::bigint)
)
SELECT sqlc.embed(d), m.total::bigint AS total
FROM matched m JOIN documents d ON d.id = m.id
WHERE sqlc.narg(before_id)::bigint IS NULL OR d.id < sqlc.narg(before_id)::bigint
ORDER BY d.id DESC
LIMIT @max_rows;

-- name: ResidenceAdminDelete :one
-- ResidenceDelete without the owner check: tasks, documents and memberships cascade. Returns every member's
-- id and the storage keys of its documents' files, read before the delete, so each member's access cache
-- can be invalidated and the files deleted once this has committed. No row: no such residence.
WITH members AS (
    SELECT coalesce(array_agg(rm.user_id), '{}')::bigint[] AS user_ids
    FROM residence_members rm WHERE rm.residence_id = @id
), files AS (
    SELECT coalesce(array_agg(d.storage_key) FILTER (WHERE d.storage_key IS NOT NULL), '{}')::text[] AS storage_keys
    FROM documents d WHERE d.residence_id = @id
), deleted AS (
    DELETE FROM residences WHERE id = @id RETURNING id
)
SELECT members.user_ids, files.storage_keys FROM members, files, deleted;

-- name: ResidenceAdminGet :one
-- One residence with its members (oldest first), its active share codes and how much it holds.
SELECT r.id, r.name, r.owner_id, r.timezone, r.city, r.country, r.created_at, r.updated_at,
       coalesce((SELECT jsonb_agg(jsonb_build_object('user_id', u.id, 'email', u.email,
                                                     'name', trim(u.first_name || ' ' || u.last_name), 'role', m.role)
                                  ORDER BY m.joined_at, u.id)
                 FROM residence_members m JOIN users u ON u.id = m.user_id
                 WHERE m.residence_id = r.id), '[]')::jsonb AS members,
       coalesce((SELECT jsonb_agg(jsonb_build_object('code', sc.code, 'role', sc.role, 'expires_at', sc.expires_at)
                                  ORDER BY sc.id)
                 FROM share_codes sc WHERE sc.residence_id = r.id AND sc.active), '[]')::jsonb AS share_codes,
       (SELECT count(*) FROM tasks t WHERE t.residence_id = r.id)::bigint AS tasks,
       (SELECT count(*) FROM task_completions tc JOIN tasks t ON t.id = tc.task_id
        WHERE t.residence_id = r.id)::bigint AS completions,
       (SELECT count(*) FROM documents d WHERE d.residence_id = r.id)::bigint AS documents,
       (SELECT count(*) FROM contractors k WHERE k.residence_id = r.id)::bigint AS contractors
FROM residences r
WHERE r.id = @id;

-- name: ResidenceAdminList :many
-- One page of residences, newest first, with the total that match on every row.
WITH matched AS (
    SELECT r.id, count(*) OVER () AS total
    FROM residences r
    WHERE (sqlc.narg(pattern)::text IS NULL OR r.name ILIKE sqlc.narg(pattern)::text)
      AND (sqlc.narg(user_id)::bigint IS NULL OR EXISTS (
          SELECT 1 FROM residence_members um
          WHERE um.residence_id = r.id AND um.user_id = sqlc.narg(user_id)::bigint))
)
SELECT r.id, r.name, r.owner_id, u.email AS owner_email, r.created_at,
       (SELECT count(*) FROM residence_members rm WHERE rm.residence_id = r.id)::bigint AS members,
       (SELECT count(*) FROM tasks t WHERE t.residence_id = r.id)::bigint AS tasks,
       m.total::bigint AS total
FROM matched m JOIN residences r ON r.id = m.id JOIN users u ON u.id = r.owner_id
WHERE sqlc.narg(before_id)::bigint IS NULL OR r.id < sqlc.narg(before_id)::bigint
ORDER BY r.id DESC
LIMIT @max_rows;

-- name: TaskAdminDelete :one
-- TaskDelete without the caller check: returns its residence, whose board version the caller bumps. No row:
-- no such task.
DELETE FROM tasks t WHERE t.id = @id RETURNING t.residence_id;

-- name: TaskAdminGet :one
SELECT sqlc.embed(t), r.name AS residence_name
FROM tasks t JOIN residences r ON r.id = t.residence_id
WHERE t.id = @id;

-- name: TaskAdminList :many
-- One page of tasks, newest first, with the total that match on every row.
WITH matched AS (
    SELECT t.id, count(*) OVER () AS total
    FROM tasks t
    WHERE (sqlc.narg(pattern)::text IS NULL OR t.title ILIKE sqlc.narg(pattern)::text)
      AND (sqlc.narg(residence_id)::bigint IS NULL OR t.residence_id = sqlc.narg(residence_id)::bigint)
      AND (sqlc.narg(user_id)::bigint IS NULL OR t.created_by = sqlc.narg(user_id)::bigint
           OR t.assigned_to = sqlc.narg(user_id)::bigint)
)
SELECT sqlc.embed(t), r.name AS residence_name, m.total::bigint AS total
FROM matched m JOIN tasks t ON t.id = m.id JOIN residences r ON r.id = t.residence_id
WHERE sqlc.narg(before_id)::bigint IS NULL OR t.id < sqlc.narg(before_id)::bigint
ORDER BY t.id DESC
LIMIT @max_rows;

-- name: TaskAdminSetInProgress :one
-- TaskSetState's in_progress without the caller check; returns the residence, whose board version the caller
-- bumps. No row: no such task.
UPDATE tasks SET in_progress = @in_progress, updated_at = now()
WHERE tasks.id = @id
RETURNING tasks.residence_id;
