-- The run-time settings of the admin API (GET and PATCH /api/admin/settings): the limitations switch
-- (app_settings), each tier's limits (subscription_tiers) and the paywall's texts (upgrade_triggers,
-- feature_benefits), the same rows GET /api/subscription's paywall document is built from.

-- name: AdminSettingsFeaturesDelete :exec
-- Empties the paywall's comparison table, before AdminSettingsFeaturesInsert writes its new rows.
DELETE FROM feature_benefits;

-- name: AdminSettingsFeaturesInsert :exec
-- Writes the comparison table's rows; the arrays are parallel (set-returning functions in the select list
-- advance together).
INSERT INTO feature_benefits (position, title, free_text, pro_text)
SELECT unnest(@positions::integer[]), unnest(@titles::text[]), unnest(@free_texts::text[]), unnest(@pro_texts::text[]);

-- name: AdminSettingsGet :one
-- The settings as one JSON document, in the shape of the admin API's Settings.
SELECT jsonb_build_object(
    'limitations_enabled', st.limitations_enabled,
    'reminder_defaults', jsonb_build_object('hour', st.default_reminder_hour),
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

-- name: AdminSettingsLock :exec
-- Locks the settings row, so concurrent changes run one after the other and each audit row's before is the
-- previous change's after.
SELECT id FROM app_settings FOR UPDATE;

-- name: AdminSettingsTierUpdate :execrows
-- Sets the limits of one tier whose set_* flag is true (a NULL limit is unlimited); the others stay.
UPDATE subscription_tiers SET
    max_residences  = CASE WHEN @set_residences::boolean THEN sqlc.narg(max_residences)::integer ELSE max_residences END,
    max_tasks       = CASE WHEN @set_tasks::boolean THEN sqlc.narg(max_tasks)::integer ELSE max_tasks END,
    max_contractors = CASE WHEN @set_contractors::boolean THEN sqlc.narg(max_contractors)::integer ELSE max_contractors END,
    max_documents   = CASE WHEN @set_documents::boolean THEN sqlc.narg(max_documents)::integer ELSE max_documents END,
    max_file_bytes  = CASE WHEN @set_file_bytes::boolean THEN sqlc.narg(max_file_bytes)::bigint ELSE max_file_bytes END,
    updated_at      = now()
WHERE tier = @tier;

-- name: AdminSettingsTriggerUpdate :execrows
-- Sets the title and body of one upgrade trigger.
UPDATE upgrade_triggers SET title = @title, body = @body, updated_at = now() WHERE key = @key;

-- name: AdminSettingsSetReminderHour :exec
-- Sets the reminder hour of users who have not chosen one (notification_preference_defaults reads it).
UPDATE app_settings SET default_reminder_hour = @hour, updated_at = now();
