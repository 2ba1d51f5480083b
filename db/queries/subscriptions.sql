-- Subscriptions and tiers (db/migrations/00020_subscriptions.sql).

-- name: SubscriptionSetByOperator :one
-- Sets the tier of the account with this email (case-insensitively), as an operator's grant: source admin,
-- no store, entitled until @entitled_until (NULL: no end). No row: no account has this email.
WITH u AS (SELECT id FROM users WHERE lower(email) = lower(@email))
INSERT INTO subscriptions (user_id, tier, source, store, entitled_until, auto_renew, updated_at)
SELECT u.id, @tier, 'admin', NULL, sqlc.narg(entitled_until)::timestamptz, false, now() FROM u
ON CONFLICT (user_id) DO UPDATE
SET tier = excluded.tier, source = 'admin', store = NULL, entitled_until = excluded.entitled_until,
    auto_renew = false, updated_at = now()
RETURNING user_id, tier, entitled_until;

-- name: SubscriptionGet :one
-- The caller's subscription as GET /subscription shows it, in one statement: the tier now (user_tier), its
-- source and end, whether limitations are on, the tier's limits, the caller's usage (residences owned,
-- personal contractors, and what each owned residence holds), and the paywall's content.
SELECT u.app_account_id::text AS app_account_id, t.tier, coalesce(s.source, 'none')::text AS source,
       s.entitled_until, coalesce(s.auto_renew, false)::boolean AS auto_renew, st.limitations_enabled,
       t.max_residences, t.max_tasks, t.max_contractors, t.max_documents, t.max_file_bytes,
       coalesce(uu.residences, 0)::integer AS used_residences,
       coalesce(uu.contractors, 0)::integer AS used_personal_contractors,
       coalesce((SELECT jsonb_agg(jsonb_build_object('residence_id', r.id, 'tasks', ru.tasks,
                                                     'contractors', ru.contractors, 'documents', ru.documents,
                                                     'file_bytes', ru.file_bytes) ORDER BY r.id)
                 FROM residences r JOIN residence_usage ru ON ru.residence_id = r.id
                 WHERE r.owner_id = u.id), '[]')::jsonb AS by_residence,
       coalesce((SELECT jsonb_agg(jsonb_build_object('key', g.key, 'title', g.title, 'body', g.body) ORDER BY g.key)
                 FROM upgrade_triggers g), '[]')::jsonb AS upgrade_triggers,
       coalesce((SELECT jsonb_agg(jsonb_build_object('title', f.title, 'free', f.free_text, 'pro', f.pro_text)
                                  ORDER BY f.position)
                 FROM feature_benefits f), '[]')::jsonb AS features
FROM users u
LEFT JOIN subscriptions s ON s.user_id = u.id
CROSS JOIN app_settings st
JOIN subscription_tiers t ON t.tier = user_tier(u.id)
LEFT JOIN user_usage uu ON uu.user_id = u.id
WHERE u.id = @user_id;

-- name: SubscriptionLimitOf :one
-- Why a create was refused, read only then (a create that succeeds reads nothing more): for @resource, the
-- limit of the tier that decides (the owner's of @residence_id, else @user_id's own; -1: unlimited), the
-- usage, whether limitations are on, the upgrade trigger to show, and the caller's role in the residence
-- (so a refusal for another reason is not reported as a limit). No row: no such residence.
WITH owner AS (
    SELECT coalesce((SELECT r.owner_id FROM residences r WHERE r.id = sqlc.narg(residence_id)::bigint), @user_id::bigint) AS id
    WHERE sqlc.narg(residence_id)::bigint IS NULL
       OR EXISTS (SELECT 1 FROM residences r WHERE r.id = sqlc.narg(residence_id)::bigint)
)
SELECT st.limitations_enabled,
       coalesce(CASE @resource::text WHEN 'residences' THEN t.max_residences WHEN 'tasks' THEN t.max_tasks
            WHEN 'contractors' THEN t.max_contractors WHEN 'documents' THEN t.max_documents END, -1)::bigint AS max_count,
       coalesce(t.max_file_bytes, -1)::bigint AS max_file_bytes,
       coalesce(CASE @resource::text
            WHEN 'residences' THEN (SELECT uu.residences FROM user_usage uu WHERE uu.user_id = owner.id)
            WHEN 'contractors' THEN CASE WHEN sqlc.narg(residence_id)::bigint IS NULL
                THEN (SELECT uu.contractors FROM user_usage uu WHERE uu.user_id = owner.id)
                ELSE (SELECT ru.contractors FROM residence_usage ru WHERE ru.residence_id = sqlc.narg(residence_id)::bigint) END
            WHEN 'tasks' THEN (SELECT ru.tasks FROM residence_usage ru WHERE ru.residence_id = sqlc.narg(residence_id)::bigint)
            WHEN 'documents' THEN (SELECT ru.documents FROM residence_usage ru WHERE ru.residence_id = sqlc.narg(residence_id)::bigint)
        END, 0)::bigint AS used_count,
       coalesce((SELECT ru.file_bytes FROM residence_usage ru WHERE ru.residence_id = sqlc.narg(residence_id)::bigint), 0)::bigint AS used_file_bytes,
       coalesce(g.title, '')::text AS trigger_title, coalesce(g.body, '')::text AS trigger_body,
       coalesce((SELECT m.role FROM residence_members m
                 WHERE m.residence_id = sqlc.narg(residence_id)::bigint AND m.user_id = @user_id::bigint), '')::text AS role
FROM owner
CROSS JOIN app_settings st
JOIN subscription_tiers t ON t.tier = user_tier(owner.id)
LEFT JOIN upgrade_triggers g ON g.key = @resource::text;

-- name: AppSettingsSetLimitations :one
-- Turns the tiers' limits on or off for every account; creates read the switch in their own statement, so it
-- applies on the next request in every process.
UPDATE app_settings SET limitations_enabled = @enabled, updated_at = now() RETURNING limitations_enabled;

-- name: SubscriptionPaywall :one
-- What GET /subscription shows every account alike, as one JSON document the processes cache (package
-- subscriptions): whether limitations are on, each tier's limits, and the paywall's content.
SELECT jsonb_build_object(
    'limitations_enabled', st.limitations_enabled,
    'tiers', (SELECT jsonb_object_agg(t.tier, jsonb_build_object('residences', t.max_residences, 'tasks', t.max_tasks,
                                                                 'contractors', t.max_contractors, 'documents', t.max_documents,
                                                                 'file_bytes', t.max_file_bytes))
              FROM subscription_tiers t),
    'upgrade_triggers', coalesce((SELECT jsonb_agg(jsonb_build_object('key', g.key, 'title', g.title, 'body', g.body)
                                                   ORDER BY g.key) FROM upgrade_triggers g), '[]'),
    'features', coalesce((SELECT jsonb_agg(jsonb_build_object('title', f.title, 'free', f.free_text, 'pro', f.pro_text)
                                           ORDER BY f.position) FROM feature_benefits f), '[]')
)::text AS document
FROM app_settings st;

-- name: SubscriptionOfUser :one
-- The caller's own part of GET /subscription: the tier now, its source and end, the app-account id and the
-- usage (the rest is the cached paywall document).
SELECT u.app_account_id::text AS app_account_id, user_tier(u.id) AS tier, coalesce(s.source, 'none')::text AS source,
       s.entitled_until, coalesce(s.auto_renew, false)::boolean AS auto_renew,
       coalesce(uu.residences, 0)::integer AS used_residences,
       coalesce(uu.contractors, 0)::integer AS used_personal_contractors,
       coalesce((SELECT jsonb_agg(jsonb_build_object('residence_id', r.id, 'tasks', ru.tasks,
                                                     'contractors', ru.contractors, 'documents', ru.documents,
                                                     'file_bytes', ru.file_bytes) ORDER BY r.id)
                 FROM residences r JOIN residence_usage ru ON ru.residence_id = r.id
                 WHERE r.owner_id = u.id), '[]')::jsonb AS by_residence
FROM users u
LEFT JOIN subscriptions s ON s.user_id = u.id
LEFT JOIN user_usage uu ON uu.user_id = u.id
WHERE u.id = @user_id;
