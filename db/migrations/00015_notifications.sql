-- Notifications, first slice (issue 13): each user's preferences (push and email per kind, the reminder hour
-- in the account's timezone, users.timezone), the devices pushes go to, and the in-app feed. A user without a
-- notification_preferences row has the defaults, which notification_preference_defaults states in one place
-- (every switch on, reminders at 9); the row is written by the first change.

-- +goose Up
CREATE TABLE notification_preferences (
    user_id                 bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    task_due_soon_push      boolean     NOT NULL,
    task_due_soon_email     boolean     NOT NULL,
    task_overdue_push       boolean     NOT NULL,
    task_overdue_email      boolean     NOT NULL,
    task_completed_push     boolean     NOT NULL,
    task_completed_email    boolean     NOT NULL,
    task_assigned_push      boolean     NOT NULL,
    task_assigned_email     boolean     NOT NULL,
    member_joined_push      boolean     NOT NULL,
    member_joined_email     boolean     NOT NULL,
    warranty_expiring_push  boolean     NOT NULL,
    warranty_expiring_email boolean     NOT NULL,
    reminder_hour           integer     NOT NULL CHECK (reminder_hour BETWEEN 0 AND 23),
    updated_at              timestamptz NOT NULL DEFAULT now()
);

CREATE VIEW notification_preference_defaults AS
SELECT true AS task_due_soon_push, true AS task_due_soon_email, true AS task_overdue_push, true AS task_overdue_email,
       true AS task_completed_push, true AS task_completed_email, true AS task_assigned_push,
       true AS task_assigned_email, true AS member_joined_push, true AS member_joined_email,
       true AS warranty_expiring_push, true AS warranty_expiring_email, 9 AS reminder_hour;

-- A device is one push token (ios, android) or endpoint (web, unifiedpush); it belongs to one user at a time,
-- so a token registered again by another account moves to that account.
CREATE TABLE notification_devices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    platform    text        NOT NULL CHECK (platform IN ('ios', 'android', 'web', 'unifiedpush')),
    token       text        NOT NULL CHECK (token <> '' AND length(token) <= 4096),
    p256dh      text        NOT NULL DEFAULT '' CHECK (length(p256dh) <= 200),
    auth        text        NOT NULL DEFAULT '' CHECK (length(auth) <= 100),
    app_version text        NOT NULL DEFAULT '' CHECK (length(app_version) <= 50),
    locale      text        NOT NULL DEFAULT '' CHECK (length(locale) <= 35),
    is_active   boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notification_devices_platform_token_key UNIQUE (platform, token)
);
CREATE INDEX notification_devices_user_id_idx ON notification_devices (user_id);

-- The in-app feed: one row per notification a user gets, read newest first by (created_at, id).
CREATE TABLE notifications (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text        NOT NULL CHECK (kind IN ('task_due_soon', 'task_overdue', 'task_completed',
                                                      'task_assigned', 'member_joined', 'warranty_expiring')),
    title        text        NOT NULL CHECK (length(title) <= 200),
    body         text        NOT NULL DEFAULT '' CHECK (length(body) <= 2000),
    residence_id bigint      REFERENCES residences (id) ON DELETE SET NULL,
    task_id      bigint      REFERENCES tasks (id) ON DELETE SET NULL,
    document_id  bigint      REFERENCES documents (id) ON DELETE SET NULL,
    read_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_feed_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_residence_id_idx ON notifications (residence_id) WHERE residence_id IS NOT NULL;
CREATE INDEX notifications_task_id_idx ON notifications (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX notifications_document_id_idx ON notifications (document_id) WHERE document_id IS NOT NULL;

-- +goose Down
DROP TABLE notifications;
DROP TABLE notification_devices;
DROP VIEW notification_preference_defaults;
DROP TABLE notification_preferences;
