-- name: ResidenceCreate :one
-- Creates the residence with its creator as owner; when it is the primary home, the creator's other
-- residences stop being primary. A creator who never chose a timezone (users.timezone_set) takes the
-- residence's, which the user's reminders then follow. No row: the owner's tier allows no more residences.
WITH quota AS (
    -- The owner's limit on residences (subscription_tiers, when limitations are on), checked on the usage row
    -- locked here: a concurrent create waits for this one and then counts its residence. No row: refused.
    SELECT uu.user_id FROM user_usage uu
    CROSS JOIN app_settings st
    JOIN subscription_tiers t ON t.tier = user_tier(uu.user_id)
    WHERE uu.user_id = @owner_id
      AND (NOT st.limitations_enabled OR t.max_residences IS NULL OR uu.residences < t.max_residences)
    FOR UPDATE OF uu
), r AS (
    INSERT INTO residences (owner_id, name, residence_type_id, street, city, state_province, postal_code, country,
                            bedrooms, bathrooms, square_footage, lot_size, year_built, description, purchase_date,
                            purchase_price, is_primary, timezone)
    SELECT @owner_id, @name, sqlc.narg(residence_type_id), @street, @city, @state_province, @postal_code, @country,
           sqlc.narg(bedrooms), sqlc.narg(bathrooms), sqlc.narg(square_footage), sqlc.narg(lot_size),
           sqlc.narg(year_built), @description, sqlc.narg(purchase_date), sqlc.narg(purchase_price), @is_primary,
           @timezone
    FROM quota
    RETURNING *
), owner AS (
    INSERT INTO residence_members (residence_id, user_id, role) SELECT id, owner_id, 'owner' FROM r
), others AS (
    UPDATE residences SET is_primary = false
    WHERE residences.owner_id = @owner_id AND residences.is_primary AND @is_primary::boolean
      AND residences.id <> (SELECT id FROM r)
), tz AS (
    UPDATE users SET timezone = r.timezone, timezone_set = true, updated_at = now()
    FROM r WHERE users.id = r.owner_id AND NOT users.timezone_set
)
SELECT * FROM r;

-- name: ResidenceDelete :one
-- Deletes a residence the user owns (tasks, documents and memberships cascade) and returns every member's
-- id and the storage keys of its documents' files, both read before the delete, so each member's access
-- cache can be invalidated and the files deleted once this statement has committed. No row: not deleted.
WITH members AS (
    SELECT coalesce(array_agg(rm.user_id), '{}')::bigint[] AS user_ids
    FROM residence_members rm WHERE rm.residence_id = @id
), files AS (
    SELECT coalesce(array_agg(d.storage_key) FILTER (WHERE d.storage_key IS NOT NULL), '{}')::text[] AS storage_keys
    FROM documents d WHERE d.residence_id = @id
), deleted AS (
    DELETE FROM residences WHERE id = @id AND owner_id = @user_id RETURNING id
)
SELECT members.user_ids, files.storage_keys FROM members, files, deleted;

-- name: ResidenceGet :one
-- One residence with the caller's role and its counts (residence_counts, at the due-soon threshold the
-- caller passes); no row when the caller is not a member.
SELECT sqlc.embed(r), m.role, n.*
FROM residences r
JOIN residence_members m ON m.residence_id = r.id AND m.user_id = @user_id
CROSS JOIN LATERAL residence_counts(r.id, r.timezone, @threshold_days::integer) n
WHERE r.id = @id;

-- name: ResidenceIDsForUser :many
-- The residence ids a user can access: what the residence-access cache holds.
SELECT residence_id FROM residence_members WHERE user_id = @user_id ORDER BY residence_id;

-- name: ResidenceList :many
-- Every residence the user belongs to, with role and counts, in one statement: the membership join is the
-- access check, so no id list is read first, and the ids returned are the user's residence access.
SELECT sqlc.embed(r), m.role, n.*
FROM residence_members m
JOIN residences r ON r.id = m.residence_id
CROSS JOIN LATERAL residence_counts(r.id, r.timezone, @threshold_days::integer) n
WHERE m.user_id = @user_id
ORDER BY r.is_primary DESC, r.name, r.id;

-- name: ResidenceTimezones :many
-- The timezones of the residences among ids, for a board that does not know them yet (it runs this beside
-- its own statement, and computes each residence's local date from it).
SELECT r.id, r.timezone FROM residences r WHERE r.id = ANY(@ids::bigint[]);

-- name: ResidenceTransfer :execrows
-- Hands ownership to a current member: the new owner gets 'owner', the old one 'editor', in one statement
-- (the one-owner constraint is checked at commit). Affects 2 rows on success, 0 otherwise.
WITH moved AS (
    UPDATE residences SET owner_id = @new_owner_id, updated_at = now()
    WHERE id = @residence_id AND owner_id = @user_id AND @new_owner_id::bigint <> @user_id::bigint
      AND EXISTS (SELECT 1 FROM residence_members
                  WHERE residence_id = @residence_id AND user_id = @new_owner_id)
    RETURNING id
)
UPDATE residence_members
SET role = CASE WHEN residence_members.user_id = @new_owner_id THEN 'owner' ELSE 'editor' END
WHERE residence_members.residence_id IN (SELECT id FROM moved)
  AND residence_members.user_id IN (@user_id, @new_owner_id);

-- name: ResidenceUpdate :one
-- Updates a residence the user owns. Text fields change when given; each nullable field changes when its
-- set_ flag is true (to a value or to NULL). Making it primary un-primaries the owner's other residences.
WITH r AS (
    UPDATE residences SET
        name              = coalesce(sqlc.narg(name), name),
        street            = coalesce(sqlc.narg(street), street),
        city              = coalesce(sqlc.narg(city), city),
        state_province    = coalesce(sqlc.narg(state_province), state_province),
        postal_code       = coalesce(sqlc.narg(postal_code), postal_code),
        country           = coalesce(sqlc.narg(country), country),
        description       = coalesce(sqlc.narg(description), description),
        timezone          = coalesce(sqlc.narg(timezone), timezone),
        is_primary        = coalesce(sqlc.narg(is_primary), is_primary),
        residence_type_id = CASE WHEN @set_residence_type_id::boolean THEN sqlc.narg(residence_type_id) ELSE residence_type_id END,
        bedrooms          = CASE WHEN @set_bedrooms::boolean THEN sqlc.narg(bedrooms) ELSE bedrooms END,
        bathrooms         = CASE WHEN @set_bathrooms::boolean THEN sqlc.narg(bathrooms) ELSE bathrooms END,
        square_footage    = CASE WHEN @set_square_footage::boolean THEN sqlc.narg(square_footage) ELSE square_footage END,
        lot_size          = CASE WHEN @set_lot_size::boolean THEN sqlc.narg(lot_size) ELSE lot_size END,
        year_built        = CASE WHEN @set_year_built::boolean THEN sqlc.narg(year_built) ELSE year_built END,
        purchase_date     = CASE WHEN @set_purchase_date::boolean THEN sqlc.narg(purchase_date) ELSE purchase_date END,
        purchase_price    = CASE WHEN @set_purchase_price::boolean THEN sqlc.narg(purchase_price) ELSE purchase_price END,
        updated_at        = now()
    WHERE residences.id = @id AND residences.owner_id = @user_id
    RETURNING *
), others AS (
    UPDATE residences SET is_primary = false
    WHERE residences.owner_id = @user_id AND residences.is_primary AND coalesce(sqlc.narg(is_primary)::boolean, false)
      AND residences.id <> @id AND EXISTS (SELECT 1 FROM r)
)
SELECT * FROM r;

-- name: ResidenceListByToken :many
-- ResidenceList for the active user a token belongs to (the conditions of AuthTokenUser), for a request whose
-- authentication runs in the same round trip (app.ReadAuthenticated sends AuthTokenUser beside it).
WITH me AS (
    SELECT u.id FROM auth_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = @token_hash AND u.is_active
)
SELECT sqlc.embed(r), m.role, n.*
FROM residence_members m
JOIN residences r ON r.id = m.residence_id
CROSS JOIN LATERAL residence_counts(r.id, r.timezone, @threshold_days::integer) n
WHERE m.user_id = (SELECT me.id FROM me)
ORDER BY r.is_primary DESC, r.name, r.id;
