-- A task's completions. Recording one advances its task and returns the task's card (see tasks.sql).

-- name: CompletionAccessRole :one
-- Explains a refused completion delete: the caller's role in the completion's residence ('' when none).
SELECT coalesce((SELECT m.role FROM task_completions tc
                 JOIN tasks t ON t.id = tc.task_id
                 JOIN residence_members m ON m.residence_id = t.residence_id AND m.user_id = @user_id
                 WHERE tc.id = @id), '')::text AS role;

-- name: CompletionCreate :one
-- Records a completion and advances the task in one statement. The UPDATE locks the task row, so concurrent
-- completions of one task apply one after the other, each to the row the previous one left: none is lost
-- and none is skipped. A recurring task's next due date moves one interval from the completion date
-- (anchor 'completion') or from its previous due date (anchor 'due_date'); in_progress resets. The contractor,
-- when given, must be one of the task's residence or a personal contractor of the caller. Every other member
-- of the residence gets a task_completed feed row in the same statement.
WITH arg AS (
    SELECT @completed_at::timestamptz AS completed_at
), upd AS (
    UPDATE tasks SET
        completion_count  = tasks.completion_count + 1,
        last_completed_at = greatest(tasks.last_completed_at, arg.completed_at),
        in_progress       = false,
        next_due_date     = CASE
            WHEN tasks.interval_days IS NULL THEN tasks.next_due_date
            WHEN tasks.recurrence_anchor = 'due_date'
                THEN coalesce(tasks.next_due_date, tasks.due_date, (arg.completed_at AT TIME ZONE r.timezone)::date) + tasks.interval_days
            -- From the latest completion: logging an older one late must not pull the date back.
            ELSE (greatest(tasks.last_completed_at, arg.completed_at) AT TIME ZONE r.timezone)::date + tasks.interval_days
        END,
        updated_at        = now()
    FROM residences r, arg
    WHERE tasks.id = @task_id AND r.id = tasks.residence_id
      AND EXISTS (SELECT 1 FROM residence_members m
                  WHERE m.residence_id = tasks.residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor'))
      AND (sqlc.narg(contractor_id)::bigint IS NULL OR EXISTS (
          SELECT 1 FROM contractors ck
          WHERE ck.id = sqlc.narg(contractor_id)::bigint
            AND (ck.residence_id = tasks.residence_id OR (ck.residence_id IS NULL AND ck.created_by = @user_id))))
    RETURNING tasks.*
), ins AS (
    INSERT INTO task_completions (task_id, completed_by, completed_at, notes, actual_cost, rating, contractor_id)
    SELECT upd.id, @user_id, arg.completed_at, @notes, sqlc.narg(actual_cost)::numeric, sqlc.narg(rating)::integer,
           sqlc.narg(contractor_id)::bigint
    FROM upd, arg
    RETURNING id, completed_at, created_at, contractor_id
), notified AS (
    -- A task_completed feed row for each other member of the task's residence, written only with the completion.
    INSERT INTO notifications (user_id, kind, title, body, residence_id, task_id, params)
    SELECT m.user_id, 'task_completed', 'Task completed',
           left(coalesce(nullif(btrim(actor.first_name || ' ' || actor.last_name), ''), actor.email) || ' completed "' || upd.title || '"', 2000),
           upd.residence_id, upd.id, jsonb_build_object('actor', left(coalesce(nullif(btrim(actor.first_name || ' ' || actor.last_name), ''), actor.email), 200), 'task', upd.title)
    FROM ins, upd
    JOIN residence_members m ON m.residence_id = upd.residence_id AND m.user_id <> @user_id
    JOIN users actor ON actor.id = @user_id
)
SELECT ins.id AS completion_id, ins.completed_at AS completion_completed_at, ins.created_at AS completion_created_at,
       ins.contractor_id AS completion_contractor_id,
       x.*, task_card_column(x, @threshold_days::integer) AS board_column
FROM ins, upd CROSS JOIN LATERAL task_card(upd) x;

-- name: CompletionDelete :one
-- Deletes a completion (owners and editors of the task's residence) and rolls the task's count and last
-- completion back, so deleting the only completion of a one-time task reopens it. Run after
-- CompletionLockTask: the max() below reads this statement's snapshot, which must postdate the lock.
WITH del AS (
    DELETE FROM task_completions tc
    USING tasks t
    WHERE tc.id = @id AND t.id = tc.task_id
      AND EXISTS (SELECT 1 FROM residence_members m
                  WHERE m.residence_id = t.residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor'))
    RETURNING tc.task_id
), upd AS (
    UPDATE tasks SET
        completion_count  = greatest(tasks.completion_count - 1, 0),
        last_completed_at = (SELECT max(o.completed_at) FROM task_completions o
                             WHERE o.task_id = tasks.id AND o.id <> @id),
        updated_at        = now()
    WHERE tasks.id IN (SELECT task_id FROM del)
)
SELECT count(*)::bigint AS deleted FROM del;

-- name: CompletionList :many
-- A task's completions, newest first; empty when the caller cannot see the task.
SELECT tc.id, tc.task_id, tc.completed_by, tc.completed_at, tc.notes, tc.actual_cost, tc.rating, tc.contractor_id,
       tc.created_at, u.first_name AS completed_by_first_name, u.last_name AS completed_by_last_name
FROM task_completions tc
JOIN tasks t ON t.id = tc.task_id
LEFT JOIN users u ON u.id = tc.completed_by
WHERE tc.task_id = @task_id
  AND EXISTS (SELECT 1 FROM residence_members m WHERE m.residence_id = t.residence_id AND m.user_id = @user_id)
ORDER BY tc.completed_at DESC, tc.id DESC;

-- name: CompletionLockTask :one
-- Locks the task a completion belongs to (owners and editors only), so that CompletionDelete, run next
-- in the same transaction with a fresh snapshot, sees every completion committed before it. The residence
-- is the board whose version the caller bumps.
SELECT t.id, t.residence_id FROM task_completions tc
JOIN tasks t ON t.id = tc.task_id
WHERE tc.id = @id
  AND EXISTS (SELECT 1 FROM residence_members m
              WHERE m.residence_id = t.residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor'))
FOR UPDATE OF t;
