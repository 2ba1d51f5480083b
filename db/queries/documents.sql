-- Documents and their files. The file lives in blob storage under storage_key; these statements never touch
-- storage, so each write returns the keys the Go code must delete (after the statement committed) or the
-- key it just wrote (to delete when the row is refused). Reads take the residence ids from the access cache
-- and join the membership, so a stale cache entry never shows a document of a residence the user left.

-- name: DocumentAccessRole :one
-- Explains a refused document write: the caller's role in the document's residence ('' when the document
-- is not visible to them or does not exist).
SELECT coalesce((SELECT m.role FROM documents d
                 JOIN residence_members m ON m.residence_id = d.residence_id AND m.user_id = @user_id
                 WHERE d.id = @id), '')::text AS role;

-- name: DocumentCreate :one
-- Creates a document in a residence where the caller is owner or editor; a linked task must belong to the
-- same residence. No row means one of those checks failed (the caller's role says which), or the residence
-- owner's tier allows no more documents or file bytes.
WITH quota AS (
    -- The residence owner's limit on documents (subscription_tiers, when limitations are on), checked on the
    -- residence's usage row locked here: a concurrent create waits for this one and then counts its row.
    SELECT ru.residence_id FROM residence_usage ru
    JOIN residences qr ON qr.id = ru.residence_id
    CROSS JOIN app_settings st
    JOIN subscription_tiers t ON t.tier = user_tier(qr.owner_id)
    WHERE ru.residence_id = @residence_id
      AND (NOT st.limitations_enabled OR ((t.max_documents IS NULL OR ru.documents < t.max_documents) AND (t.max_file_bytes IS NULL OR ru.file_bytes + coalesce(sqlc.narg(size_bytes)::bigint, 0) <= t.max_file_bytes)))
    FOR UPDATE OF ru
)
INSERT INTO documents (residence_id, created_by, title, description, doc_type, vendor, model_number, serial_number,
                       purchase_date, purchase_price, expiry_date, warranty_provider, claim_phone, claim_url, task_id,
                       storage_key, file_name, content_type, size_bytes, sha256)
SELECT m.residence_id, m.user_id, @title::text, @description::text, @doc_type::text, @vendor::text,
       @model_number::text, @serial_number::text, sqlc.narg(purchase_date)::date,
       sqlc.narg(purchase_price)::numeric, sqlc.narg(expiry_date)::date, @warranty_provider::text,
       @claim_phone::text, @claim_url::text, sqlc.narg(task_id)::bigint, sqlc.narg(storage_key)::text,
       sqlc.narg(file_name)::text, sqlc.narg(content_type)::text, sqlc.narg(size_bytes)::bigint,
       sqlc.narg(sha256)::text
FROM residence_members m
WHERE m.residence_id = @residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor')
  AND EXISTS (SELECT 1 FROM quota)
  AND (sqlc.narg(task_id)::bigint IS NULL OR EXISTS (
      SELECT 1 FROM tasks t WHERE t.id = sqlc.narg(task_id)::bigint AND t.residence_id = @residence_id))
RETURNING *;

-- name: DocumentDelete :one
-- Deletes a document (owners and editors) and returns its file's storage key (NULL without a file), to be
-- deleted from storage once this statement has committed. No row: not deleted.
DELETE FROM documents d
WHERE d.id = @id
  AND EXISTS (SELECT 1 FROM residence_members m
              WHERE m.residence_id = d.residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor'))
RETURNING d.storage_key;

-- name: DocumentGet :one
-- One document; no row when the caller cannot see it.
SELECT d.* FROM documents d
WHERE d.id = @id
  AND EXISTS (SELECT 1 FROM residence_members m WHERE m.residence_id = d.residence_id AND m.user_id = @user_id);

-- name: DocumentList :many
-- The documents of the residences the user belongs to, newest first, optionally of one residence, of one
-- type, and matching a search pattern (an ILIKE pattern with its wildcards escaped by the caller) in the
-- title, description, vendor, model or serial number. The membership join is the access check, so no id
-- list is read first.
SELECT d.* FROM documents d
JOIN residence_members m ON m.residence_id = d.residence_id AND m.user_id = @user_id
WHERE (sqlc.narg(residence_id)::bigint IS NULL OR d.residence_id = sqlc.narg(residence_id)::bigint)
  AND (sqlc.narg(doc_type)::text IS NULL OR d.doc_type = sqlc.narg(doc_type)::text)
  AND (sqlc.narg(pattern)::text IS NULL
       OR d.title ILIKE sqlc.narg(pattern)::text OR d.description ILIKE sqlc.narg(pattern)::text
       OR d.vendor ILIKE sqlc.narg(pattern)::text OR d.model_number ILIKE sqlc.narg(pattern)::text
       OR d.serial_number ILIKE sqlc.narg(pattern)::text)
ORDER BY d.created_at DESC, d.id DESC;

-- name: DocumentReplaceFile :one
-- Points a document (owners and editors) at a newly written file and returns the document with the storage
-- key of the file it had (NULL if none), to be deleted once this statement has committed. The old key is
-- read under the row lock, so of two concurrent replacements the second sees (and deletes) the first's
-- file. No row: refused, by the caller's role or by the residence owner's limit on stored file bytes, which
-- is checked on the residence's usage row locked here (as in DocumentCreate).
WITH old AS (
    SELECT d.id, d.residence_id, d.storage_key, coalesce(d.size_bytes, 0) AS size_bytes FROM documents d
    WHERE d.id = @id
      AND EXISTS (SELECT 1 FROM residence_members m
                  WHERE m.residence_id = d.residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor'))
    FOR UPDATE
), quota AS (
    SELECT ru.residence_id FROM residence_usage ru
    JOIN old ON old.residence_id = ru.residence_id
    JOIN residences qr ON qr.id = ru.residence_id
    CROSS JOIN app_settings st
    JOIN subscription_tiers t ON t.tier = user_tier(qr.owner_id)
    WHERE NOT st.limitations_enabled OR t.max_file_bytes IS NULL
       OR ru.file_bytes - old.size_bytes + @size_bytes::bigint <= t.max_file_bytes
    FOR UPDATE OF ru
)
UPDATE documents SET
    storage_key  = @storage_key::text,
    file_name    = @file_name::text,
    content_type = @content_type::text,
    size_bytes   = @size_bytes::bigint,
    sha256       = @sha256::text,
    updated_at   = now()
FROM old
WHERE documents.id = old.id AND EXISTS (SELECT 1 FROM quota)
RETURNING documents.id, documents.residence_id, documents.created_by, documents.title, documents.description,
          documents.doc_type, documents.vendor, documents.model_number, documents.serial_number,
          documents.purchase_date, documents.purchase_price, documents.expiry_date, documents.warranty_provider,
          documents.claim_phone, documents.claim_url, documents.task_id, documents.storage_key,
          documents.file_name, documents.content_type, documents.size_bytes, documents.sha256,
          documents.created_at, documents.updated_at, old.storage_key AS old_storage_key;

-- name: DocumentStorageKeysIn :many
-- Which of keys some document still names: the periodic cleanup deletes the others.
SELECT d.storage_key::text AS storage_key FROM documents d WHERE d.storage_key = ANY(@keys::text[]);

-- name: DocumentUpdate :one
-- Changes a document's metadata (owners and editors). Text fields change when given; each nullable field
-- changes when its set_ flag is true (to a value or to NULL). A linked task must belong to the document's
-- residence. No row means a check failed (DocumentAccessRole says which).
UPDATE documents d SET
    title             = coalesce(sqlc.narg(title), d.title),
    description       = coalesce(sqlc.narg(description), d.description),
    doc_type          = coalesce(sqlc.narg(doc_type), d.doc_type),
    vendor            = coalesce(sqlc.narg(vendor), d.vendor),
    model_number      = coalesce(sqlc.narg(model_number), d.model_number),
    serial_number     = coalesce(sqlc.narg(serial_number), d.serial_number),
    warranty_provider = coalesce(sqlc.narg(warranty_provider), d.warranty_provider),
    claim_phone       = coalesce(sqlc.narg(claim_phone), d.claim_phone),
    claim_url         = coalesce(sqlc.narg(claim_url), d.claim_url),
    purchase_date     = CASE WHEN @set_purchase_date::boolean THEN sqlc.narg(purchase_date)::date ELSE d.purchase_date END,
    purchase_price    = CASE WHEN @set_purchase_price::boolean THEN sqlc.narg(purchase_price)::numeric ELSE d.purchase_price END,
    expiry_date       = CASE WHEN @set_expiry_date::boolean THEN sqlc.narg(expiry_date)::date ELSE d.expiry_date END,
    task_id           = CASE WHEN @set_task_id::boolean THEN sqlc.narg(task_id)::bigint ELSE d.task_id END,
    updated_at        = now()
WHERE d.id = @id
  AND EXISTS (SELECT 1 FROM residence_members m
              WHERE m.residence_id = d.residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor'))
  AND (NOT @set_task_id::boolean OR sqlc.narg(task_id)::bigint IS NULL OR EXISTS (
      SELECT 1 FROM tasks t WHERE t.id = sqlc.narg(task_id)::bigint AND t.residence_id = d.residence_id))
RETURNING d.*;

-- name: DocumentWarranties :many
-- Warranty documents with an expiry date, of the residences among ids (from the access cache) that the user
-- still belongs to, with the days until expiry in each residence's timezone (negative once expired),
-- soonest first; with within_days, only those expiring within that many days (expired ones included).
SELECT sqlc.embed(d), w.days_remaining
FROM documents d
JOIN residence_members m ON m.residence_id = d.residence_id AND m.user_id = @user_id
JOIN residences r ON r.id = d.residence_id
CROSS JOIN LATERAL (SELECT (d.expiry_date - (now() AT TIME ZONE r.timezone)::date)::integer AS days_remaining) w
WHERE d.residence_id = ANY(@ids::bigint[]) AND d.doc_type = 'warranty' AND d.expiry_date IS NOT NULL
  AND (sqlc.narg(within_days)::integer IS NULL OR w.days_remaining <= sqlc.narg(within_days)::integer)
ORDER BY w.days_remaining, d.id;

-- name: DocumentListByToken :many
-- DocumentList for the active user a token belongs to (the conditions of AuthTokenUser), for a request whose
-- authentication runs in the same round trip (app.ReadAuthenticated sends AuthTokenUser beside it).
WITH me AS (
    SELECT u.id FROM auth_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = @token_hash AND u.is_active
)
SELECT d.* FROM documents d
JOIN residence_members m ON m.residence_id = d.residence_id AND m.user_id = (SELECT me.id FROM me)
WHERE (sqlc.narg(residence_id)::bigint IS NULL OR d.residence_id = sqlc.narg(residence_id)::bigint)
  AND (sqlc.narg(doc_type)::text IS NULL OR d.doc_type = sqlc.narg(doc_type)::text)
  AND (sqlc.narg(pattern)::text IS NULL
       OR d.title ILIKE sqlc.narg(pattern)::text OR d.description ILIKE sqlc.narg(pattern)::text
       OR d.vendor ILIKE sqlc.narg(pattern)::text OR d.model_number ILIKE sqlc.narg(pattern)::text
       OR d.serial_number ILIKE sqlc.narg(pattern)::text)
ORDER BY d.created_at DESC, d.id DESC;
