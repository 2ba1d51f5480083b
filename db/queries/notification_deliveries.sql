-- Delivery of notifications by push and email (db/migrations/00018_notification_delivery.sql): what the
-- notification_send job reads and records, the delivery log the API shows, and the server's own keys.

-- name: NotificationSendLoad :one
-- What delivering one notification needs: the notification, its recipient, the recipient's push and email
-- switches for its kind as they are now (a switch turned off after the notification was written sends
-- nothing), what earlier attempts already sent, so a retried job sends nothing twice, and the recipient's
-- unread count (the iOS badge).
SELECT n.id, n.user_id, n.kind, n.title, n.body, n.created_at, n.residence_id, n.task_id, n.document_id, n.params,
       (SELECT count(*) FROM notifications un WHERE un.user_id = n.user_id AND un.read_at IS NULL)::integer AS unread,
       u.email, u.first_name, u.is_active, (u.email_verified_at IS NOT NULL)::boolean AS email_verified,
       coalesce(c.push, false)::boolean AS push_on, coalesce(c.email, false)::boolean AS email_on,
       EXISTS (SELECT 1 FROM notification_deliveries d
               WHERE d.notification_id = n.id AND d.channel = 'email' AND d.status = 'sent')::boolean AS email_sent,
       coalesce((SELECT array_agg(d.device_id) FROM notification_deliveries d
                 WHERE d.notification_id = n.id AND d.channel = 'push' AND d.status = 'sent'
                   AND d.device_id IS NOT NULL), '{}')::bigint[] AS pushed_devices
FROM notifications n
JOIN users u ON u.id = n.user_id
CROSS JOIN LATERAL notification_channels(n.user_id, n.kind) c
WHERE n.id = @id;

-- name: NotificationDeviceListActive :many
-- The devices a push to the user goes to.
SELECT * FROM notification_devices WHERE user_id = @user_id AND is_active ORDER BY id;

-- name: NotificationDeviceDeactivate :exec
-- Deactivates a device its push service reported dead, unless it was registered again since the push
-- started (@since): a fresh registration of the token is alive.
UPDATE notification_devices SET is_active = false, updated_at = now()
WHERE id = @id AND is_active AND updated_at <= @since;

-- name: NotificationDeliveryRecord :exec
-- Logs one delivery attempt.
INSERT INTO notification_deliveries (notification_id, user_id, channel, device_id, status, attempt, error)
VALUES (sqlc.narg(notification_id), @user_id, @channel, sqlc.narg(device_id), @status, @attempt, left(@error::text, 1000));

-- name: NotificationGetWithDeliveries :one
-- One notification of the user's feed with its delivery log, oldest attempt first, in one statement.
SELECT sqlc.embed(n),
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', d.id, 'channel', d.channel, 'device_id', d.device_id,
                                                     'status', d.status, 'attempt', d.attempt, 'error', d.error,
                                                     'created_at', d.created_at) ORDER BY d.id)
                 FROM notification_deliveries d WHERE d.notification_id = n.id), '[]')::jsonb AS deliveries
FROM notifications n
WHERE n.id = @id AND n.user_id = @user_id;

-- name: ServerSecretEnsure :one
-- The secret named @name: the one stored, or @value, stored now when there was none. No row when another
-- process stored one at the same moment; asking again returns it.
WITH ins AS (
    INSERT INTO server_secrets (name, value) VALUES (@name, @value)
    ON CONFLICT (name) DO NOTHING
    RETURNING value
)
SELECT value FROM ins
UNION ALL
SELECT value FROM server_secrets WHERE name = @name
LIMIT 1;
