-- Every query that returns a task returns the same "card" columns in the same order (the board's), so the
-- Go code converts each row type to TaskBoardRow and maps cards in one place. Writes build the card from
-- their RETURNING rows joined to tables they do not modify, so a write is one statement.
-- threshold_days places a card in due_soon; it is the caller's setting (users.days_threshold, read from the
-- cached user, so passing it costs nothing), so a single card always agrees with the caller's board.

-- name: TaskAccessRole :one
-- Explains a refused task write: the caller's role in the task's residence ('' when the task is not
-- visible to them or does not exist).
SELECT coalesce((SELECT m.role FROM tasks t
                 JOIN residence_members m ON m.residence_id = t.residence_id AND m.user_id = @user_id
                 WHERE t.id = @task_id), '')::text AS role;

-- name: TaskBoard :many
-- The board in ONE statement: residence access is a subquery, lookups and the assignee are joined, and
-- task_column places each task using "today" in its residence's timezone.
SELECT x.id, x.residence_id, x.created_by, x.assigned_to, x.title, x.description, x.category_id, x.priority_id,
       x.frequency_id, x.interval_days, x.recurrence_anchor, x.in_progress, x.due_date, x.next_due_date,
       x.estimated_cost, x.is_cancelled, x.is_archived, x.completion_count, x.last_completed_at, x.created_at,
       x.updated_at, c.name AS category_name, p.name AS priority_name, p.level AS priority_level,
       f.name AS frequency_name, a.first_name AS assignee_first_name, a.last_name AS assignee_last_name,
       x.contractor_id, k.name AS contractor_name,
       task_column(x.is_cancelled, x.is_archived, x.interval_days, x.completion_count, x.in_progress,
                   coalesce(x.next_due_date, x.due_date), (now() AT TIME ZONE r.timezone)::date, @threshold_days::integer) AS board_column
FROM tasks x
JOIN residences r ON r.id = x.residence_id
LEFT JOIN task_categories c ON c.id = x.category_id
LEFT JOIN task_priorities p ON p.id = x.priority_id
LEFT JOIN task_frequencies f ON f.id = x.frequency_id
LEFT JOIN users a ON a.id = x.assigned_to
LEFT JOIN contractors k ON k.id = x.contractor_id
WHERE x.residence_id IN (SELECT rm.residence_id FROM residence_members rm WHERE rm.user_id = @user_id)
  AND (sqlc.narg(residence_id)::bigint IS NULL OR x.residence_id = sqlc.narg(residence_id)::bigint)
ORDER BY coalesce(x.next_due_date, x.due_date) NULLS LAST, p.level DESC NULLS LAST, x.id;

-- name: TaskComplete :one
-- Records a completion and advances the task in one statement. The UPDATE locks the task row, so concurrent
-- completions of one task apply one after the other, each to the row the previous one left: none is lost
-- and none is skipped. A recurring task's next due date moves one interval from the completion date
-- (anchor 'completion') or from its previous due date (anchor 'due_date'); in_progress resets. The contractor,
-- when given, must be one of the task's residence or a personal contractor of the caller.
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
)
SELECT ins.id AS completion_id, ins.completed_at AS completion_completed_at, ins.created_at AS completion_created_at,
       ins.contractor_id AS completion_contractor_id,
       x.id, x.residence_id, x.created_by, x.assigned_to, x.title, x.description, x.category_id, x.priority_id,
       x.frequency_id, x.interval_days, x.recurrence_anchor, x.in_progress, x.due_date, x.next_due_date,
       x.estimated_cost, x.is_cancelled, x.is_archived, x.completion_count, x.last_completed_at, x.created_at,
       x.updated_at, c.name AS category_name, p.name AS priority_name, p.level AS priority_level,
       f.name AS frequency_name, a.first_name AS assignee_first_name, a.last_name AS assignee_last_name,
       x.contractor_id, k.name AS contractor_name,
       task_column(x.is_cancelled, x.is_archived, x.interval_days, x.completion_count, x.in_progress,
                   coalesce(x.next_due_date, x.due_date), (now() AT TIME ZONE r.timezone)::date, @threshold_days::integer) AS board_column
FROM ins, upd x
JOIN residences r ON r.id = x.residence_id
LEFT JOIN task_categories c ON c.id = x.category_id
LEFT JOIN task_priorities p ON p.id = x.priority_id
LEFT JOIN task_frequencies f ON f.id = x.frequency_id
LEFT JOIN users a ON a.id = x.assigned_to
LEFT JOIN contractors k ON k.id = x.contractor_id;

-- name: TaskCompletionLockTask :one
-- Locks the task a completion belongs to (owners and editors only), so that TaskCompletionDelete, run next
-- in the same transaction with a fresh snapshot, sees every completion committed before it.
SELECT t.id FROM task_completions tc
JOIN tasks t ON t.id = tc.task_id
WHERE tc.id = @id
  AND EXISTS (SELECT 1 FROM residence_members m
              WHERE m.residence_id = t.residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor'))
FOR UPDATE OF t;

-- name: TaskCompletionDelete :one
-- Deletes a completion (owners and editors of the task's residence) and rolls the task's count and last
-- completion back, so deleting the only completion of a one-time task reopens it. Run after
-- TaskCompletionLockTask: the max() below reads this statement's snapshot, which must postdate the lock.
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

-- name: TaskCompletionList :many
-- A task's completions, newest first; empty when the caller cannot see the task.
SELECT tc.id, tc.task_id, tc.completed_by, tc.completed_at, tc.notes, tc.actual_cost, tc.rating, tc.contractor_id,
       tc.created_at, u.first_name AS completed_by_first_name, u.last_name AS completed_by_last_name
FROM task_completions tc
JOIN tasks t ON t.id = tc.task_id
LEFT JOIN users u ON u.id = tc.completed_by
WHERE tc.task_id = @task_id
  AND EXISTS (SELECT 1 FROM residence_members m WHERE m.residence_id = t.residence_id AND m.user_id = @user_id)
ORDER BY tc.completed_at DESC, tc.id DESC;

-- name: TaskCreate :one
-- Creates a task in a residence where the caller is owner or editor; the assignee must be a member, and the
-- contractor one of the residence or a personal contractor of the caller. No row means one of those checks
-- failed (TaskWriteChecks says which).
WITH ins AS (
    INSERT INTO tasks (residence_id, created_by, assigned_to, contractor_id, title, description, category_id,
                       priority_id, frequency_id, interval_days, recurrence_anchor, due_date, estimated_cost)
    SELECT m.residence_id, @user_id::bigint, sqlc.narg(assigned_to)::bigint, sqlc.narg(contractor_id)::bigint, @title,
           @description, sqlc.narg(category_id)::bigint, sqlc.narg(priority_id)::bigint, sqlc.narg(frequency_id)::bigint,
           (SELECT fr.interval_days FROM task_frequencies fr WHERE fr.id = sqlc.narg(frequency_id)::bigint),
           @recurrence_anchor, sqlc.narg(due_date)::date, sqlc.narg(estimated_cost)::numeric
    FROM residence_members m
    WHERE m.residence_id = @residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor')
      AND (sqlc.narg(assigned_to)::bigint IS NULL OR EXISTS (
          SELECT 1 FROM residence_members am WHERE am.residence_id = @residence_id AND am.user_id = sqlc.narg(assigned_to)::bigint))
      AND (sqlc.narg(contractor_id)::bigint IS NULL OR EXISTS (
          SELECT 1 FROM contractors ck
          WHERE ck.id = sqlc.narg(contractor_id)::bigint
            AND (ck.residence_id = @residence_id OR (ck.residence_id IS NULL AND ck.created_by = @user_id))))
    RETURNING *
)
SELECT x.id, x.residence_id, x.created_by, x.assigned_to, x.title, x.description, x.category_id, x.priority_id,
       x.frequency_id, x.interval_days, x.recurrence_anchor, x.in_progress, x.due_date, x.next_due_date,
       x.estimated_cost, x.is_cancelled, x.is_archived, x.completion_count, x.last_completed_at, x.created_at,
       x.updated_at, c.name AS category_name, p.name AS priority_name, p.level AS priority_level,
       f.name AS frequency_name, a.first_name AS assignee_first_name, a.last_name AS assignee_last_name,
       x.contractor_id, k.name AS contractor_name,
       task_column(x.is_cancelled, x.is_archived, x.interval_days, x.completion_count, x.in_progress,
                   coalesce(x.next_due_date, x.due_date), (now() AT TIME ZONE r.timezone)::date, @threshold_days::integer) AS board_column
FROM ins x
JOIN residences r ON r.id = x.residence_id
LEFT JOIN task_categories c ON c.id = x.category_id
LEFT JOIN task_priorities p ON p.id = x.priority_id
LEFT JOIN task_frequencies f ON f.id = x.frequency_id
LEFT JOIN users a ON a.id = x.assigned_to
LEFT JOIN contractors k ON k.id = x.contractor_id;

-- name: TaskDelete :execrows
DELETE FROM tasks t
WHERE t.id = @id
  AND EXISTS (SELECT 1 FROM residence_members m
              WHERE m.residence_id = t.residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor'));

-- name: TaskGet :one
-- One task card; no row when the caller cannot see it. The primary key finds the task, the membership
-- primary key checks access.
SELECT x.id, x.residence_id, x.created_by, x.assigned_to, x.title, x.description, x.category_id, x.priority_id,
       x.frequency_id, x.interval_days, x.recurrence_anchor, x.in_progress, x.due_date, x.next_due_date,
       x.estimated_cost, x.is_cancelled, x.is_archived, x.completion_count, x.last_completed_at, x.created_at,
       x.updated_at, c.name AS category_name, p.name AS priority_name, p.level AS priority_level,
       f.name AS frequency_name, a.first_name AS assignee_first_name, a.last_name AS assignee_last_name,
       x.contractor_id, k.name AS contractor_name,
       task_column(x.is_cancelled, x.is_archived, x.interval_days, x.completion_count, x.in_progress,
                   coalesce(x.next_due_date, x.due_date), (now() AT TIME ZONE r.timezone)::date, @threshold_days::integer) AS board_column
FROM tasks x
JOIN residences r ON r.id = x.residence_id
LEFT JOIN task_categories c ON c.id = x.category_id
LEFT JOIN task_priorities p ON p.id = x.priority_id
LEFT JOIN task_frequencies f ON f.id = x.frequency_id
LEFT JOIN users a ON a.id = x.assigned_to
LEFT JOIN contractors k ON k.id = x.contractor_id
WHERE x.id = @id
  AND EXISTS (SELECT 1 FROM residence_members m WHERE m.residence_id = x.residence_id AND m.user_id = @user_id);

-- name: TaskListByContractor :many
-- The cards of the tasks naming a contractor, among those the caller can see, soonest due first; empty when
-- the caller cannot see the contractor (a task may name a personal contractor of another member).
SELECT x.id, x.residence_id, x.created_by, x.assigned_to, x.title, x.description, x.category_id, x.priority_id,
       x.frequency_id, x.interval_days, x.recurrence_anchor, x.in_progress, x.due_date, x.next_due_date,
       x.estimated_cost, x.is_cancelled, x.is_archived, x.completion_count, x.last_completed_at, x.created_at,
       x.updated_at, c.name AS category_name, p.name AS priority_name, p.level AS priority_level,
       f.name AS frequency_name, a.first_name AS assignee_first_name, a.last_name AS assignee_last_name,
       x.contractor_id, k.name AS contractor_name,
       task_column(x.is_cancelled, x.is_archived, x.interval_days, x.completion_count, x.in_progress,
                   coalesce(x.next_due_date, x.due_date), (now() AT TIME ZONE r.timezone)::date, @threshold_days::integer) AS board_column
FROM tasks x
JOIN residences r ON r.id = x.residence_id
LEFT JOIN task_categories c ON c.id = x.category_id
LEFT JOIN task_priorities p ON p.id = x.priority_id
LEFT JOIN task_frequencies f ON f.id = x.frequency_id
LEFT JOIN users a ON a.id = x.assigned_to
LEFT JOIN contractors k ON k.id = x.contractor_id
WHERE x.contractor_id = @contractor_id::bigint
  AND EXISTS (SELECT 1 FROM residence_members m WHERE m.residence_id = x.residence_id AND m.user_id = @user_id)
  AND ((k.residence_id IS NULL AND k.created_by = @user_id)
       OR EXISTS (SELECT 1 FROM residence_members km WHERE km.residence_id = k.residence_id AND km.user_id = @user_id))
ORDER BY coalesce(x.next_due_date, x.due_date) NULLS LAST, p.level DESC NULLS LAST, x.id;

-- name: TaskSetState :one
-- Sets any of in_progress, is_cancelled and is_archived (owners and editors).
WITH upd AS (
    UPDATE tasks SET
        in_progress  = coalesce(sqlc.narg(in_progress)::boolean, tasks.in_progress),
        is_cancelled = coalesce(sqlc.narg(is_cancelled)::boolean, tasks.is_cancelled),
        is_archived  = coalesce(sqlc.narg(is_archived)::boolean, tasks.is_archived),
        updated_at   = now()
    WHERE tasks.id = @id
      AND EXISTS (SELECT 1 FROM residence_members m
                  WHERE m.residence_id = tasks.residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor'))
    RETURNING tasks.*
)
SELECT x.id, x.residence_id, x.created_by, x.assigned_to, x.title, x.description, x.category_id, x.priority_id,
       x.frequency_id, x.interval_days, x.recurrence_anchor, x.in_progress, x.due_date, x.next_due_date,
       x.estimated_cost, x.is_cancelled, x.is_archived, x.completion_count, x.last_completed_at, x.created_at,
       x.updated_at, c.name AS category_name, p.name AS priority_name, p.level AS priority_level,
       f.name AS frequency_name, a.first_name AS assignee_first_name, a.last_name AS assignee_last_name,
       x.contractor_id, k.name AS contractor_name,
       task_column(x.is_cancelled, x.is_archived, x.interval_days, x.completion_count, x.in_progress,
                   coalesce(x.next_due_date, x.due_date), (now() AT TIME ZONE r.timezone)::date, @threshold_days::integer) AS board_column
FROM upd x
JOIN residences r ON r.id = x.residence_id
LEFT JOIN task_categories c ON c.id = x.category_id
LEFT JOIN task_priorities p ON p.id = x.priority_id
LEFT JOIN task_frequencies f ON f.id = x.frequency_id
LEFT JOIN users a ON a.id = x.assigned_to
LEFT JOIN contractors k ON k.id = x.contractor_id;

-- name: TaskUpdate :one
-- Changes the fields present (owners and editors). Nullable fields change when their set_ flag is true.
-- Changing the due date clears the next due date (the user is setting the next occurrence); changing the
-- frequency copies its interval. The assignee must be a member of the task's residence, and the contractor
-- one of that residence or a personal contractor of the caller.
WITH upd AS (
    UPDATE tasks SET
        title             = coalesce(sqlc.narg(title)::text, tasks.title),
        description       = coalesce(sqlc.narg(description)::text, tasks.description),
        recurrence_anchor = coalesce(sqlc.narg(recurrence_anchor)::text, tasks.recurrence_anchor),
        assigned_to       = CASE WHEN @set_assigned_to::boolean THEN sqlc.narg(assigned_to)::bigint ELSE tasks.assigned_to END,
        contractor_id     = CASE WHEN @set_contractor_id::boolean THEN sqlc.narg(contractor_id)::bigint ELSE tasks.contractor_id END,
        category_id       = CASE WHEN @set_category_id::boolean THEN sqlc.narg(category_id)::bigint ELSE tasks.category_id END,
        priority_id       = CASE WHEN @set_priority_id::boolean THEN sqlc.narg(priority_id)::bigint ELSE tasks.priority_id END,
        frequency_id      = CASE WHEN @set_frequency_id::boolean THEN sqlc.narg(frequency_id)::bigint ELSE tasks.frequency_id END,
        interval_days     = CASE WHEN @set_frequency_id::boolean
                                 THEN (SELECT fr.interval_days FROM task_frequencies fr WHERE fr.id = sqlc.narg(frequency_id)::bigint)
                                 ELSE tasks.interval_days END,
        due_date          = CASE WHEN @set_due_date::boolean THEN sqlc.narg(due_date)::date ELSE tasks.due_date END,
        next_due_date     = CASE WHEN @set_due_date::boolean THEN NULL ELSE tasks.next_due_date END,
        estimated_cost    = CASE WHEN @set_estimated_cost::boolean THEN sqlc.narg(estimated_cost)::numeric ELSE tasks.estimated_cost END,
        updated_at        = now()
    WHERE tasks.id = @id
      AND EXISTS (SELECT 1 FROM residence_members m
                  WHERE m.residence_id = tasks.residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor'))
      AND (NOT @set_assigned_to::boolean OR sqlc.narg(assigned_to)::bigint IS NULL OR EXISTS (
          SELECT 1 FROM residence_members am WHERE am.residence_id = tasks.residence_id AND am.user_id = sqlc.narg(assigned_to)::bigint))
      AND (NOT @set_contractor_id::boolean OR sqlc.narg(contractor_id)::bigint IS NULL OR EXISTS (
          SELECT 1 FROM contractors ck
          WHERE ck.id = sqlc.narg(contractor_id)::bigint
            AND (ck.residence_id = tasks.residence_id OR (ck.residence_id IS NULL AND ck.created_by = @user_id))))
    RETURNING tasks.*
)
SELECT x.id, x.residence_id, x.created_by, x.assigned_to, x.title, x.description, x.category_id, x.priority_id,
       x.frequency_id, x.interval_days, x.recurrence_anchor, x.in_progress, x.due_date, x.next_due_date,
       x.estimated_cost, x.is_cancelled, x.is_archived, x.completion_count, x.last_completed_at, x.created_at,
       x.updated_at, c.name AS category_name, p.name AS priority_name, p.level AS priority_level,
       f.name AS frequency_name, a.first_name AS assignee_first_name, a.last_name AS assignee_last_name,
       x.contractor_id, k.name AS contractor_name,
       task_column(x.is_cancelled, x.is_archived, x.interval_days, x.completion_count, x.in_progress,
                   coalesce(x.next_due_date, x.due_date), (now() AT TIME ZONE r.timezone)::date, @threshold_days::integer) AS board_column
FROM upd x
JOIN residences r ON r.id = x.residence_id
LEFT JOIN task_categories c ON c.id = x.category_id
LEFT JOIN task_priorities p ON p.id = x.priority_id
LEFT JOIN task_frequencies f ON f.id = x.frequency_id
LEFT JOIN users a ON a.id = x.assigned_to
LEFT JOIN contractors k ON k.id = x.contractor_id;

-- name: TaskWriteChecks :one
-- Explains a refused task write: the caller's role in the residence (residence_id, or else the residence of
-- task_id; '' when not a member or the task does not exist), and whether the assignee and the contractor,
-- when given, pass the checks TaskCreate, TaskUpdate and TaskComplete make.
WITH r AS (
    SELECT coalesce(sqlc.narg(residence_id)::bigint,
                    (SELECT t.residence_id FROM tasks t WHERE t.id = sqlc.narg(task_id)::bigint)) AS id
)
SELECT coalesce((SELECT m.role FROM residence_members m WHERE m.residence_id = r.id AND m.user_id = @user_id), '')::text AS role,
       (sqlc.narg(assigned_to)::bigint IS NULL OR EXISTS (
           SELECT 1 FROM residence_members am WHERE am.residence_id = r.id AND am.user_id = sqlc.narg(assigned_to)::bigint))::boolean AS assignee_ok,
       (sqlc.narg(contractor_id)::bigint IS NULL OR EXISTS (
           SELECT 1 FROM contractors ck
           WHERE ck.id = sqlc.narg(contractor_id)::bigint
             AND (ck.residence_id = r.id OR (ck.residence_id IS NULL AND ck.created_by = @user_id))))::boolean AS contractor_ok
FROM r;

-- name: CompletionAccessRole :one
-- Explains a refused completion delete: the caller's role in the completion's residence ('' when none).
SELECT coalesce((SELECT m.role FROM task_completions tc
                 JOIN tasks t ON t.id = tc.task_id
                 JOIN residence_members m ON m.residence_id = t.residence_id AND m.user_id = @user_id
                 WHERE tc.id = @id), '')::text AS role;
