-- The in-app feed, push devices and notification preferences of a user (db/migrations/00015_notifications.sql).
-- Every query is keyed by the caller's user id: a row of another user is never read or changed, and answers
-- as if it did not exist.

-- name: NotificationDeviceDelete :execrows
DELETE FROM notification_devices WHERE id = @id AND user_id = @user_id;

-- name: NotificationDeviceList :many
-- The user's devices, newest registration first.
SELECT * FROM notification_devices WHERE user_id = @user_id ORDER BY updated_at DESC, id DESC;

-- name: NotificationDeviceRegister :one
-- Registers a push token or endpoint for the user. One already known (for the platform) moves to this user,
-- takes the new keys, version and locale and is active again, so it stops reaching its previous user.
INSERT INTO notification_devices AS d (user_id, platform, token, p256dh, auth, app_version, locale)
VALUES (@user_id, @platform, @token, @p256dh, @auth, @app_version, @locale)
ON CONFLICT (platform, token) DO UPDATE
SET user_id     = excluded.user_id,
    p256dh      = excluded.p256dh,
    auth        = excluded.auth,
    app_version = excluded.app_version,
    locale      = excluded.locale,
    is_active   = true,
    updated_at  = now()
RETURNING d.*;

-- name: NotificationList :many
-- One page of the user's feed, newest first by (created_at, id): the rows strictly after the cursor (the
-- last row of the previous page), or from the top without one. The caller asks for one row more than the
-- page holds to learn whether another page follows.
SELECT * FROM notifications
WHERE user_id = @user_id
  AND (created_at, id) < (coalesce(sqlc.narg(before_created_at)::timestamptz, 'infinity'),
                          coalesce(sqlc.narg(before_id)::bigint, 9223372036854775807))
ORDER BY created_at DESC, id DESC
LIMIT @row_limit;

-- name: NotificationMarkAllRead :execrows
UPDATE notifications SET read_at = now() WHERE user_id = @user_id AND read_at IS NULL;

-- name: NotificationPreferencesGet :one
-- The user's preferences, the defaults where the user never changed them, and the account's timezone.
SELECT u.timezone,
       coalesce(p.task_due_soon_push, d.task_due_soon_push)::boolean AS task_due_soon_push,
       coalesce(p.task_due_soon_email, d.task_due_soon_email)::boolean AS task_due_soon_email,
       coalesce(p.task_overdue_push, d.task_overdue_push)::boolean AS task_overdue_push,
       coalesce(p.task_overdue_email, d.task_overdue_email)::boolean AS task_overdue_email,
       coalesce(p.task_completed_push, d.task_completed_push)::boolean AS task_completed_push,
       coalesce(p.task_completed_email, d.task_completed_email)::boolean AS task_completed_email,
       coalesce(p.task_assigned_push, d.task_assigned_push)::boolean AS task_assigned_push,
       coalesce(p.task_assigned_email, d.task_assigned_email)::boolean AS task_assigned_email,
       coalesce(p.member_joined_push, d.member_joined_push)::boolean AS member_joined_push,
       coalesce(p.member_joined_email, d.member_joined_email)::boolean AS member_joined_email,
       coalesce(p.warranty_expiring_push, d.warranty_expiring_push)::boolean AS warranty_expiring_push,
       coalesce(p.warranty_expiring_email, d.warranty_expiring_email)::boolean AS warranty_expiring_email,
       coalesce(p.reminder_hour, d.reminder_hour)::integer AS reminder_hour
FROM users u
CROSS JOIN notification_preference_defaults d
LEFT JOIN notification_preferences p ON p.user_id = u.id
WHERE u.id = @user_id;

-- name: NotificationPreferencesUpdate :one
-- Changes the preferences given (NULL keeps one) in one statement: the first change writes the user's row
-- from the defaults, a later one (or a concurrent first one) updates the row in place.
WITH w AS (
    INSERT INTO notification_preferences AS p (task_due_soon_push, task_due_soon_email, task_overdue_push, task_overdue_email, task_completed_push, task_completed_email, task_assigned_push, task_assigned_email, member_joined_push, member_joined_email, warranty_expiring_push, warranty_expiring_email, reminder_hour, user_id)
    SELECT coalesce(sqlc.narg(task_due_soon_push)::boolean, d.task_due_soon_push),
           coalesce(sqlc.narg(task_due_soon_email)::boolean, d.task_due_soon_email),
           coalesce(sqlc.narg(task_overdue_push)::boolean, d.task_overdue_push),
           coalesce(sqlc.narg(task_overdue_email)::boolean, d.task_overdue_email),
           coalesce(sqlc.narg(task_completed_push)::boolean, d.task_completed_push),
           coalesce(sqlc.narg(task_completed_email)::boolean, d.task_completed_email),
           coalesce(sqlc.narg(task_assigned_push)::boolean, d.task_assigned_push),
           coalesce(sqlc.narg(task_assigned_email)::boolean, d.task_assigned_email),
           coalesce(sqlc.narg(member_joined_push)::boolean, d.member_joined_push),
           coalesce(sqlc.narg(member_joined_email)::boolean, d.member_joined_email),
           coalesce(sqlc.narg(warranty_expiring_push)::boolean, d.warranty_expiring_push),
           coalesce(sqlc.narg(warranty_expiring_email)::boolean, d.warranty_expiring_email),
           coalesce(sqlc.narg(reminder_hour)::integer, d.reminder_hour), @user_id::bigint
    FROM notification_preference_defaults d
    ON CONFLICT (user_id) DO UPDATE
    SET task_due_soon_push = coalesce(sqlc.narg(task_due_soon_push)::boolean, p.task_due_soon_push),
        task_due_soon_email = coalesce(sqlc.narg(task_due_soon_email)::boolean, p.task_due_soon_email),
        task_overdue_push = coalesce(sqlc.narg(task_overdue_push)::boolean, p.task_overdue_push),
        task_overdue_email = coalesce(sqlc.narg(task_overdue_email)::boolean, p.task_overdue_email),
        task_completed_push = coalesce(sqlc.narg(task_completed_push)::boolean, p.task_completed_push),
        task_completed_email = coalesce(sqlc.narg(task_completed_email)::boolean, p.task_completed_email),
        task_assigned_push = coalesce(sqlc.narg(task_assigned_push)::boolean, p.task_assigned_push),
        task_assigned_email = coalesce(sqlc.narg(task_assigned_email)::boolean, p.task_assigned_email),
        member_joined_push = coalesce(sqlc.narg(member_joined_push)::boolean, p.member_joined_push),
        member_joined_email = coalesce(sqlc.narg(member_joined_email)::boolean, p.member_joined_email),
        warranty_expiring_push = coalesce(sqlc.narg(warranty_expiring_push)::boolean, p.warranty_expiring_push),
        warranty_expiring_email = coalesce(sqlc.narg(warranty_expiring_email)::boolean, p.warranty_expiring_email),
        reminder_hour = coalesce(sqlc.narg(reminder_hour)::integer, p.reminder_hour),
        updated_at = now()
    RETURNING p.*
)
SELECT u.timezone, w.task_due_soon_push, w.task_due_soon_email, w.task_overdue_push, w.task_overdue_email, w.task_completed_push, w.task_completed_email, w.task_assigned_push, w.task_assigned_email, w.member_joined_push, w.member_joined_email, w.warranty_expiring_push, w.warranty_expiring_email, w.reminder_hour
FROM w JOIN users u ON u.id = w.user_id;

-- name: NotificationSetRead :one
-- Marks one notification read (one already read keeps its read_at) or unread.
UPDATE notifications
SET read_at = CASE WHEN @read::boolean THEN coalesce(read_at, now()) END
WHERE id = @id AND user_id = @user_id
RETURNING *;

-- name: NotificationUnreadCount :one
SELECT count(*) AS unread_count FROM notifications WHERE user_id = @user_id AND read_at IS NULL;
