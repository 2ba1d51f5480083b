-- Notification delivery (issue 13): every feed row whose recipient wants it by push or email gets a
-- notification_send job, in the transaction that wrote the row; the job's attempts are logged per channel and
-- device in notification_deliveries, so "why didn't I get it?" has an answer and a retried job skips what was
-- already sent. server_secrets holds keys the server generates once (the unsubscribe links' signing key).

-- +goose Up
-- The push and email switches of one user for one kind: the user's preferences, or the defaults.
-- +goose StatementBegin
CREATE FUNCTION notification_channels(p_user_id bigint, p_kind text, OUT push boolean, OUT email boolean)
LANGUAGE sql STABLE AS $$
SELECT CASE p_kind
           WHEN 'task_due_soon' THEN coalesce(p.task_due_soon_push, d.task_due_soon_push)
           WHEN 'task_overdue' THEN coalesce(p.task_overdue_push, d.task_overdue_push)
           WHEN 'task_completed' THEN coalesce(p.task_completed_push, d.task_completed_push)
           WHEN 'task_assigned' THEN coalesce(p.task_assigned_push, d.task_assigned_push)
           WHEN 'member_joined' THEN coalesce(p.member_joined_push, d.member_joined_push)
           WHEN 'warranty_expiring' THEN coalesce(p.warranty_expiring_push, d.warranty_expiring_push)
           ELSE false END,
       CASE p_kind
           WHEN 'task_due_soon' THEN coalesce(p.task_due_soon_email, d.task_due_soon_email)
           WHEN 'task_overdue' THEN coalesce(p.task_overdue_email, d.task_overdue_email)
           WHEN 'task_completed' THEN coalesce(p.task_completed_email, d.task_completed_email)
           WHEN 'task_assigned' THEN coalesce(p.task_assigned_email, d.task_assigned_email)
           WHEN 'member_joined' THEN coalesce(p.member_joined_email, d.member_joined_email)
           WHEN 'warranty_expiring' THEN coalesce(p.warranty_expiring_email, d.warranty_expiring_email)
           ELSE false END
FROM notification_preference_defaults d
LEFT JOIN notification_preferences p ON p.user_id = p_user_id
$$;
-- +goose StatementEnd

-- Every feed row, whoever writes it (an event's statement, the reminder planner), enqueues its delivery in
-- the same statement when the recipient has push or email on for its kind, and wakes the queue's workers
-- once the transaction commits, as river's own insert does. The kind, queue and attempts are package jobs'
-- KindNotificationSend policy (TestNotificationSendTriggerMatchesItsPolicy compares them).
-- +goose StatementBegin
CREATE FUNCTION notification_enqueue_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM notification_channels(NEW.user_id, NEW.kind) c WHERE c.push OR c.email) THEN
        INSERT INTO river_job (kind, queue, max_attempts, args)
        VALUES ('notification_send', 'notification', 6, jsonb_build_object('notification_id', NEW.id));
        PERFORM pg_notify(concat(current_schema(), '.river_insert'), json_build_object('queue', 'notification')::text);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER notifications_enqueue_delivery AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION notification_enqueue_delivery();

-- One attempt to deliver a notification (or a test, without one) on one channel: an email, or a push to one
-- device. status sent: the provider accepted it; failed: it did not (error says why; a retry may follow);
-- skipped: nothing was sent, and error says why (no push channel configured, email not verified).
CREATE TABLE notification_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id bigint      REFERENCES notifications (id) ON DELETE CASCADE,
    user_id         bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel         text        NOT NULL CHECK (channel IN ('push', 'email')),
    device_id       bigint      REFERENCES notification_devices (id) ON DELETE SET NULL,
    status          text        NOT NULL CHECK (status IN ('sent', 'failed', 'skipped')),
    attempt         integer     NOT NULL CHECK (attempt > 0),
    error           text        NOT NULL DEFAULT '' CHECK (length(error) <= 1000),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_deliveries_notification_id_idx ON notification_deliveries (notification_id, id)
    WHERE notification_id IS NOT NULL;
CREATE INDEX notification_deliveries_user_id_idx ON notification_deliveries (user_id, created_at);
CREATE INDEX notification_deliveries_device_id_idx ON notification_deliveries (device_id) WHERE device_id IS NOT NULL;

-- The daily purge forgets ledger rows whose occurrence no planner run can reach any more.
CREATE INDEX notification_ledger_occurrence_idx ON notification_ledger (occurrence);

-- Keys the server generates once and every process shares.
CREATE TABLE server_secrets (
    name       text        PRIMARY KEY,
    value      bytea       NOT NULL CHECK (length(value) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE server_secrets;
DROP TABLE notification_deliveries;
DROP INDEX notification_ledger_occurrence_idx;
DROP TRIGGER notifications_enqueue_delivery ON notifications;
DROP FUNCTION notification_enqueue_delivery();
DROP FUNCTION notification_channels(bigint, text);
