-- The values a notification's text is made of (issue 14: pushes in the device's language), beside the
-- English title and body the feed shows: {"actor", "task"} for task_assigned and task_completed, {"member",
-- "residence"} for member_joined, {"item", "date", "days"} for the reminders. A push renders its text from
-- the kind and these in the device's language (package delivery); a row without them is pushed as written.

-- The delivery job's attempts rise from 6 to 10 (hours, not half an hour: a push service's outage delays a
-- notification instead of losing it), as package jobs' KindNotificationSend policy says.

-- +goose Up
ALTER TABLE notifications ADD COLUMN params jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(params) = 'object' AND pg_column_size(params) <= 4000);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION notification_enqueue_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM notification_channels(NEW.user_id, NEW.kind) c WHERE c.push OR c.email) THEN
        INSERT INTO river_job (kind, queue, max_attempts, args)
        VALUES ('notification_send', 'notification', 10, jsonb_build_object('notification_id', NEW.id));
        PERFORM pg_notify(concat(current_schema(), '.river_insert'), json_build_object('queue', 'notification')::text);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION notification_enqueue_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
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
ALTER TABLE notifications DROP COLUMN params;
