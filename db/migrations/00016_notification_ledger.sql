-- Reminders (issue 13): the ledger is the memory of every reminder planned, one row per (user, kind, item,
-- threshold, occurrence), so the planner may run any number of times, or twice at once, and each reminder
-- reaches the feed once. river's unique jobs would only remember while the job row exists.
--
-- item_id is the task's id for task_due_soon and task_overdue, the document's for warranty_expiring; it has no
-- foreign key because it names either. threshold is in calendar days before the occurrence in the user's
-- timezone: 1 for due soon (the day before the due date), -1 for overdue (the day after), 30, 7 and 1 for a
-- warranty. occurrence is the date the reminder is about (the task's due date, the warranty's expiry date), so
-- a recurring task's next due date is a new occurrence and is reminded again.

-- +goose Up
CREATE TABLE notification_ledger (
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text        NOT NULL CHECK (kind IN ('task_due_soon', 'task_overdue', 'warranty_expiring')),
    item_id    bigint      NOT NULL,
    threshold  integer     NOT NULL,
    occurrence date        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind, item_id, threshold, occurrence)
);

-- The planner looks up, per residence of a user, the tasks whose effective due date (the board's
-- coalesce(next_due_date, due_date)) is one given day, and the warranties that expire on given days, so neither
-- reads a residence's other tasks or documents. Tasks that can no longer be due are left out of the index.
CREATE INDEX tasks_reminder_due_idx ON tasks (residence_id, (coalesce(next_due_date, due_date)))
    WHERE NOT is_cancelled AND NOT is_archived;
CREATE INDEX documents_warranty_residence_expiry_idx ON documents (residence_id, expiry_date)
    WHERE doc_type = 'warranty';

-- +goose Down
DROP INDEX documents_warranty_residence_expiry_idx;
DROP INDEX tasks_reminder_due_idx;
DROP TABLE notification_ledger;
