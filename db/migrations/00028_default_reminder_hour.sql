-- The default reminder hour becomes a run-time setting (issue 16: the admin API's settings). A user without a
-- notification_preferences row gets reminders at this hour of their local day; notification_preference_defaults
-- stays the one place that states the defaults, and now reads the hour from app_settings, so the reminder
-- planner, GET /notifications/preferences and a user's first change of them all use the operator's choice at
-- once. The other defaults (every switch on) stay constants.

-- +goose Up
ALTER TABLE app_settings
    ADD COLUMN default_reminder_hour integer NOT NULL DEFAULT 9 CHECK (default_reminder_hour BETWEEN 0 AND 23);

CREATE OR REPLACE VIEW notification_preference_defaults AS
SELECT true AS task_due_soon_push, true AS task_due_soon_email, true AS task_overdue_push, true AS task_overdue_email,
       true AS task_completed_push, true AS task_completed_email, true AS task_assigned_push,
       true AS task_assigned_email, true AS member_joined_push, true AS member_joined_email,
       true AS warranty_expiring_push, true AS warranty_expiring_email, st.default_reminder_hour AS reminder_hour
FROM app_settings st;

-- +goose Down
CREATE OR REPLACE VIEW notification_preference_defaults AS
SELECT true AS task_due_soon_push, true AS task_due_soon_email, true AS task_overdue_push, true AS task_overdue_email,
       true AS task_completed_push, true AS task_completed_email, true AS task_assigned_push,
       true AS task_assigned_email, true AS member_joined_push, true AS member_joined_email,
       true AS warranty_expiring_push, true AS warranty_expiring_email, 9 AS reminder_hour;

ALTER TABLE app_settings DROP COLUMN default_reminder_hour;
