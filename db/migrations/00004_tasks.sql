-- Tasks and their completions. The board column of a task is computed by task_column, the one definition
-- that the board, the residence counts and the tests all use.

-- +goose Up
CREATE TABLE tasks (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    residence_id      bigint         NOT NULL REFERENCES residences (id) ON DELETE CASCADE,
    created_by        bigint         REFERENCES users (id) ON DELETE SET NULL,
    assigned_to       bigint         REFERENCES users (id) ON DELETE SET NULL,
    title             text           NOT NULL CHECK (title <> '' AND length(title) <= 200),
    description       text           NOT NULL DEFAULT '',
    category_id       bigint         REFERENCES task_categories (id) ON DELETE SET NULL,
    priority_id       bigint         REFERENCES task_priorities (id) ON DELETE SET NULL,
    frequency_id      bigint         REFERENCES task_frequencies (id) ON DELETE SET NULL,
    -- interval_days is copied from the frequency when it is set, so the board needs no join to know whether
    -- a task recurs; NULL means one-time.
    interval_days     integer        CHECK (interval_days > 0),
    recurrence_anchor text           NOT NULL DEFAULT 'completion' CHECK (recurrence_anchor IN ('completion', 'due_date')),
    in_progress       boolean        NOT NULL DEFAULT false,
    due_date          date,
    next_due_date     date,
    estimated_cost    numeric(12, 2) CHECK (estimated_cost >= 0),
    is_cancelled      boolean        NOT NULL DEFAULT false,
    is_archived       boolean        NOT NULL DEFAULT false,
    -- Maintained with each completion insert/delete, so a board card needs no aggregate.
    completion_count  integer        NOT NULL DEFAULT 0,
    last_completed_at timestamptz,
    created_at        timestamptz    NOT NULL DEFAULT now(),
    updated_at        timestamptz    NOT NULL DEFAULT now()
);
-- The board reads every task of the user's residences: residence_id first serves the membership subquery.
CREATE INDEX tasks_residence_id_idx ON tasks (residence_id, id);
CREATE INDEX tasks_assigned_to_idx ON tasks (assigned_to) WHERE assigned_to IS NOT NULL;

CREATE TABLE task_completions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id      bigint         NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    completed_by bigint         REFERENCES users (id) ON DELETE SET NULL,
    completed_at timestamptz    NOT NULL DEFAULT now(),
    notes        text           NOT NULL DEFAULT '',
    actual_cost  numeric(12, 2) CHECK (actual_cost >= 0),
    rating       integer        CHECK (rating BETWEEN 1 AND 5),
    created_at   timestamptz    NOT NULL DEFAULT now()
);
CREATE INDEX task_completions_task_id_idx ON task_completions (task_id, completed_at DESC);

-- task_column places a task on the board: the first rule that matches wins.
-- +goose StatementBegin
CREATE FUNCTION task_column(
    is_cancelled boolean, is_archived boolean, interval_days integer, completion_count integer,
    in_progress boolean, effective_due date, today date, threshold_days integer
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN is_cancelled THEN 'cancelled'
        WHEN is_archived OR (interval_days IS NULL AND completion_count > 0) THEN 'completed'
        WHEN in_progress THEN 'in_progress'
        WHEN effective_due IS NULL THEN 'upcoming'
        WHEN effective_due < today THEN 'overdue'
        WHEN effective_due <= today + threshold_days THEN 'due_soon'
        ELSE 'upcoming'
    END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION task_column;
DROP TABLE task_completions;
DROP TABLE tasks;
