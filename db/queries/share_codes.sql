-- name: ShareCodeCreate :one
-- Issues a new code for a residence the user owns, deactivating the previous one in the same statement.
-- Concurrent issues for one residence queue on the residence row's lock; the one that waited retires on a
-- snapshot taken before the other's code committed, so share_codes_residence_id_excl refuses it at commit
-- and the caller runs it again (a new statement, a new snapshot).
WITH owned AS (
    SELECT r.id FROM residences r WHERE r.id = @residence_id AND r.owner_id = @user_id
    FOR NO KEY UPDATE
), retired AS (
    UPDATE share_codes SET active = false
    WHERE share_codes.residence_id IN (SELECT id FROM owned) AND share_codes.active
)
INSERT INTO share_codes (residence_id, code, role, created_by, expires_at)
SELECT owned.id, @code, @role, @user_id::bigint, @expires_at FROM owned
RETURNING *;

-- name: ShareCodeJoin :one
-- Looks the code up and, when it is live, adds the user with the code's role, in one statement. The row
-- says what happened: no row means no such code. The residence's owner gets a member_joined feed row in the
-- same statement, only when the user joined.
WITH c AS (
    SELECT id, residence_id, role, expires_at, active FROM share_codes
    WHERE code = @code
    ORDER BY active DESC, id DESC
    LIMIT 1
), joined AS (
    INSERT INTO residence_members (residence_id, user_id, role)
    SELECT residence_id, @user_id, role FROM c WHERE active AND expires_at > now()
    ON CONFLICT (residence_id, user_id) DO NOTHING
    RETURNING residence_id, user_id
), notified AS (
    -- The owner's member_joined feed row, written only when the user joined.
    INSERT INTO notifications (user_id, kind, title, body, residence_id, params)
    SELECT r.owner_id, 'member_joined', 'New member', left(coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''), u.email) || ' joined ' || r.name, 2000), r.id,
           jsonb_build_object('member', left(coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''), u.email), 200), 'residence', r.name)
    FROM joined
    JOIN residences r ON r.id = joined.residence_id
    JOIN users u ON u.id = joined.user_id
    WHERE r.owner_id <> joined.user_id
), tz AS (
    -- A member who never chose a timezone takes the residence's (see ResidenceCreate).
    UPDATE users SET timezone = r.timezone, timezone_set = true, updated_at = now()
    FROM joined JOIN residences r ON r.id = joined.residence_id
    WHERE users.id = joined.user_id AND NOT users.timezone_set
)
SELECT c.residence_id, c.active, (c.expires_at > now())::boolean AS live,
       EXISTS (SELECT 1 FROM joined)::boolean AS joined
FROM c;
