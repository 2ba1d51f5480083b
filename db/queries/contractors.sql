-- Every query that returns a contractor returns the same "card" columns in the same order (ContractorGet's):
-- the contractor's columns, then its specialties as a JSON array of {id, name, display_order} in display
-- order (specialties_json and contractor_specialties, db/migrations/00013_read_views.sql), so the Go code
-- converts each row type to ContractorGetRow and maps cards in one place.
--
-- A contractor with a residence is visible to that residence's members and changed by its owners and
-- editors; a personal contractor (no residence) is visible to and changed by its creator only.

-- name: ContractorAccessRole :one
-- Explains a refused contractor write: the caller's role in the contractor's residence, 'owner' for the
-- creator of a personal contractor, '' when the caller cannot see it or it does not exist.
SELECT coalesce((SELECT CASE WHEN c.residence_id IS NULL THEN CASE WHEN c.created_by = @user_id::bigint THEN 'owner' END
                             ELSE m.role END
                 FROM contractors c
                 LEFT JOIN residence_members m ON m.residence_id = c.residence_id AND m.user_id = @user_id::bigint
                 WHERE c.id = @id), '')::text AS role;

-- name: ContractorCreate :one
-- Creates a contractor and its specialty links in one statement: personal when residence_id is NULL,
-- otherwise in a residence where the caller is owner or editor (no row when they are not). An unknown
-- specialty fails the links' foreign key. The specialties returned are read from the lookup, because the
-- links inserted here are not visible to this statement. No row either when the tier that decides (the
-- residence owner's, or the caller's own for a personal contractor) allows no more contractors.
WITH quota AS (
    -- The residence owner's limit on contractors (subscription_tiers, when limitations are on), checked on the
    -- residence's usage row locked here: a concurrent create waits for this one and then counts its row.
    SELECT ru.residence_id FROM residence_usage ru
    JOIN residences qr ON qr.id = ru.residence_id
    CROSS JOIN app_settings st
    JOIN subscription_tiers t ON t.tier = user_tier(qr.owner_id)
    WHERE ru.residence_id = sqlc.narg(residence_id)::bigint
      AND (NOT st.limitations_enabled OR ((t.max_contractors IS NULL OR ru.contractors < t.max_contractors)))
    FOR UPDATE OF ru
), personal_quota AS (
    -- The caller's own limit on personal contractors, checked on the caller's usage row locked here.
    SELECT uu.user_id FROM user_usage uu
    CROSS JOIN app_settings st
    JOIN subscription_tiers t ON t.tier = user_tier(uu.user_id)
    WHERE uu.user_id = @user_id::bigint AND sqlc.narg(residence_id)::bigint IS NULL
      AND (NOT st.limitations_enabled OR t.max_contractors IS NULL OR uu.contractors < t.max_contractors)
    FOR UPDATE OF uu
), ins AS (
    INSERT INTO contractors (residence_id, created_by, name, company, phone, email, website, address, notes,
                             rating, is_favorite)
    SELECT sqlc.narg(residence_id)::bigint, @user_id::bigint, @name, @company, @phone, @email, @website, @address,
           @notes, sqlc.narg(rating)::integer, @is_favorite
    WHERE (sqlc.narg(residence_id)::bigint IS NULL AND EXISTS (SELECT 1 FROM personal_quota))
       OR (EXISTS (SELECT 1 FROM residence_members m
                   WHERE m.residence_id = sqlc.narg(residence_id)::bigint AND m.user_id = @user_id::bigint
                     AND m.role IN ('owner', 'editor'))
           AND EXISTS (SELECT 1 FROM quota))
    RETURNING *
), links AS (
    INSERT INTO contractor_specialty_links (contractor_id, specialty_id)
    SELECT ins.id, s.id FROM ins, (SELECT DISTINCT unnest(@specialty_ids::bigint[]) AS id) s
)
SELECT x.*, specialties
FROM ins x
CROSS JOIN LATERAL specialties_json(@specialty_ids::bigint[]) AS specialties;

-- name: ContractorDelete :one
-- Deletes a contractor the caller may change; tasks and completions that named it keep existing without it
-- (their foreign keys set NULL). Returns how many were deleted and the residences of the tasks that named it,
-- read before the delete, whose board versions the caller bumps.
WITH del AS (
    DELETE FROM contractors c
    WHERE c.id = @id
      AND ((c.residence_id IS NULL AND c.created_by = @user_id::bigint)
           OR EXISTS (SELECT 1 FROM residence_members m
                      WHERE m.residence_id = c.residence_id AND m.user_id = @user_id::bigint AND m.role IN ('owner', 'editor')))
    RETURNING c.id
)
SELECT (SELECT count(*) FROM del)::bigint AS deleted,
       coalesce((SELECT array_agg(DISTINCT t.residence_id) FROM tasks t
                 WHERE t.contractor_id IN (SELECT del.id FROM del)), '{}')::bigint[] AS task_residence_ids;

-- name: ContractorGet :one
-- One contractor card; no row when the caller cannot see it.
SELECT x.*, specialties
FROM contractors x
CROSS JOIN LATERAL contractor_specialties(x.id) AS specialties
WHERE x.id = @id
  AND ((x.residence_id IS NULL AND x.created_by = @user_id::bigint)
       OR EXISTS (SELECT 1 FROM residence_members m WHERE m.residence_id = x.residence_id AND m.user_id = @user_id::bigint));

-- name: ContractorList :many
-- The contractors of the residences the caller belongs to plus the caller's personal ones, favorites first,
-- then by name, in one statement: the caller's residences are read inside it (once, as an array, so that
-- both halves of the OR use their index). q is a substring matched case-insensitively against name and
-- company (the caller escapes % and _).
SELECT x.*, specialties
FROM contractors x
CROSS JOIN LATERAL contractor_specialties(x.id) AS specialties
WHERE (x.residence_id = ANY(ARRAY(SELECT m.residence_id FROM residence_members m WHERE m.user_id = @user_id::bigint))
       OR (x.residence_id IS NULL AND x.created_by = @user_id::bigint))
  AND (sqlc.narg(residence_id)::bigint IS NULL OR x.residence_id = sqlc.narg(residence_id)::bigint)
  AND (sqlc.narg(specialty_id)::bigint IS NULL OR EXISTS (
      SELECT 1 FROM contractor_specialty_links sl
      WHERE sl.contractor_id = x.id AND sl.specialty_id = sqlc.narg(specialty_id)::bigint))
  AND (sqlc.narg(q)::text IS NULL
       OR x.name ILIKE '%' || sqlc.narg(q)::text || '%'
       OR x.company ILIKE '%' || sqlc.narg(q)::text || '%')
ORDER BY x.is_favorite DESC, lower(x.name), x.id;

-- name: ContractorToggleFavorite :one
-- Flips the favorite flag of a contractor the caller may change.
WITH upd AS (
    UPDATE contractors SET is_favorite = NOT contractors.is_favorite, updated_at = now()
    WHERE contractors.id = @id
      AND ((contractors.residence_id IS NULL AND contractors.created_by = @user_id::bigint)
           OR EXISTS (SELECT 1 FROM residence_members m
                      WHERE m.residence_id = contractors.residence_id AND m.user_id = @user_id::bigint
                        AND m.role IN ('owner', 'editor')))
    RETURNING contractors.*
)
SELECT x.*, specialties
FROM upd x
CROSS JOIN LATERAL contractor_specialties(x.id) AS specialties;

-- name: ContractorUpdate :one
-- Changes the fields present of a contractor the caller may change; rating changes when set_rating is true
-- (to a value or to NULL). When set_specialties is true the links become exactly specialty_ids: links not
-- in the list are deleted and missing ones inserted (the two sets are disjoint, so the order in which the
-- statement runs them does not matter); an unknown specialty fails the links' foreign key.
-- The links are read through this statement's snapshot, which misses links a concurrent update committed
-- after it was taken (that update held the row lock this one waited for). So when replacing them, the row
-- must still be the version the snapshot saw (same xmin); otherwise nothing changes, no row comes back and
-- the caller retries with a fresh snapshot. task_residence_ids are the residences of the tasks that name the
-- contractor (their cards show its name), whose board versions the caller bumps.
WITH upd AS (
    UPDATE contractors SET
        name        = coalesce(sqlc.narg(name)::text, contractors.name),
        company     = coalesce(sqlc.narg(company)::text, contractors.company),
        phone       = coalesce(sqlc.narg(phone)::text, contractors.phone),
        email       = coalesce(sqlc.narg(email)::text, contractors.email),
        website     = coalesce(sqlc.narg(website)::text, contractors.website),
        address     = coalesce(sqlc.narg(address)::text, contractors.address),
        notes       = coalesce(sqlc.narg(notes)::text, contractors.notes),
        rating      = CASE WHEN @set_rating::boolean THEN sqlc.narg(rating)::integer ELSE contractors.rating END,
        updated_at  = now()
    WHERE contractors.id = @id
      AND ((contractors.residence_id IS NULL AND contractors.created_by = @user_id::bigint)
           OR EXISTS (SELECT 1 FROM residence_members m
                      WHERE m.residence_id = contractors.residence_id AND m.user_id = @user_id::bigint
                        AND m.role IN ('owner', 'editor')))
      AND (NOT @set_specialties::boolean
           OR contractors.xmin = (SELECT c0.xmin FROM contractors c0 WHERE c0.id = @id))
    RETURNING contractors.*
), unlinked AS (
    DELETE FROM contractor_specialty_links l
    WHERE @set_specialties::boolean AND l.contractor_id IN (SELECT upd.id FROM upd)
      AND l.specialty_id <> ALL(@specialty_ids::bigint[])
), linked AS (
    INSERT INTO contractor_specialty_links (contractor_id, specialty_id)
    SELECT upd.id, s.id FROM upd, (SELECT DISTINCT unnest(@specialty_ids::bigint[]) AS id) s
    WHERE @set_specialties::boolean
    ON CONFLICT DO NOTHING
)
SELECT x.*, (CASE WHEN @set_specialties::boolean THEN given ELSE linked END)::jsonb AS specialties,
       coalesce((SELECT array_agg(DISTINCT t.residence_id) FROM tasks t WHERE t.contractor_id = x.id),
                '{}')::bigint[] AS task_residence_ids
FROM upd x
CROSS JOIN LATERAL specialties_json(@specialty_ids::bigint[]) AS given
CROSS JOIN LATERAL contractor_specialties(x.id) AS linked;

-- name: ContractorListByToken :many
-- ContractorList for the active user a token belongs to (the conditions of AuthTokenUser), for a request whose
-- authentication runs in the same round trip (app.ReadAuthenticated sends AuthTokenUser beside it).
WITH me AS (
    SELECT u.id FROM auth_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = @token_hash AND u.is_active
)
SELECT x.*, specialties
FROM contractors x
CROSS JOIN LATERAL contractor_specialties(x.id) AS specialties
WHERE (x.residence_id = ANY(ARRAY(SELECT m.residence_id FROM residence_members m WHERE m.user_id = (SELECT me.id FROM me)))
       OR (x.residence_id IS NULL AND x.created_by = (SELECT me.id FROM me)))
  AND (sqlc.narg(residence_id)::bigint IS NULL OR x.residence_id = sqlc.narg(residence_id)::bigint)
  AND (sqlc.narg(specialty_id)::bigint IS NULL OR EXISTS (
      SELECT 1 FROM contractor_specialty_links sl
      WHERE sl.contractor_id = x.id AND sl.specialty_id = sqlc.narg(specialty_id)::bigint))
  AND (sqlc.narg(q)::text IS NULL
       OR x.name ILIKE '%' || sqlc.narg(q)::text || '%'
       OR x.company ILIKE '%' || sqlc.narg(q)::text || '%')
ORDER BY x.is_favorite DESC, lower(x.name), x.id;
