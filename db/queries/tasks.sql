-- Every query that returns a task returns the same "card" columns in the same order: task_cards' columns
-- (db/migrations/00013_read_views.sql) and board_column, so the Go code converts each row type to
-- TaskBoardRow and maps cards in one place. Reads select from task_cards; writes pass the row their
-- RETURNING gives to task_card, so a write is one statement.
-- threshold_days places a card in due_soon; it is the caller's setting (users.days_threshold, read from the
-- cached user, so passing it costs nothing), so a single card always agrees with the caller's board.
-- A task's completions are in task_completions.sql.

-- name: TaskAccessRole :one
-- Explains a refused task write: the caller's role in the task's residence ('' when the task is not
-- visible to them or does not exist).
SELECT coalesce((SELECT m.role FROM tasks t
                 JOIN residence_members m ON m.residence_id = t.residence_id AND m.user_id = @user_id
                 WHERE t.id = @task_id), '')::text AS role;

-- name: TaskBoard :many
-- The board in ONE statement: residence access is a subquery, and task_card_column places each card using
-- "today" in its residence's timezone.
SELECT x.*, task_card_column(x, @threshold_days::integer) AS board_column
FROM task_cards x
WHERE x.residence_id IN (SELECT rm.residence_id FROM residence_members rm WHERE rm.user_id = @user_id)
  AND (sqlc.narg(residence_id)::bigint IS NULL OR x.residence_id = sqlc.narg(residence_id)::bigint)
ORDER BY coalesce(x.next_due_date, x.due_date) NULLS LAST, x.priority_level DESC NULLS LAST, x.id;

-- name: TaskCreate :one
-- Creates a task in a residence where the caller is owner or editor; the assignee must be a member, and the
-- contractor one of the residence or a personal contractor of the caller. No row means one of those checks
-- failed (TaskWriteChecks says which), or the residence owner's tier allows no more tasks.
WITH quota AS (
    -- The residence owner's limit on tasks (subscription_tiers, when limitations are on), checked on the
    -- residence's usage row locked here: a concurrent create waits for this one and then counts its row.
    SELECT ru.residence_id FROM residence_usage ru
    JOIN residences qr ON qr.id = ru.residence_id
    CROSS JOIN app_settings st
    JOIN subscription_tiers t ON t.tier = user_tier(qr.owner_id)
    WHERE ru.residence_id = @residence_id
      AND (NOT st.limitations_enabled OR ((t.max_tasks IS NULL OR ru.tasks < t.max_tasks)))
    FOR UPDATE OF ru
), ins AS (
    INSERT INTO tasks (residence_id, created_by, assigned_to, contractor_id, title, description, category_id,
                       priority_id, frequency_id, interval_days, recurrence_anchor, due_date, estimated_cost)
    SELECT m.residence_id, @user_id::bigint, sqlc.narg(assigned_to)::bigint, sqlc.narg(contractor_id)::bigint, @title,
           @description, sqlc.narg(category_id)::bigint, sqlc.narg(priority_id)::bigint, sqlc.narg(frequency_id)::bigint,
           (SELECT fr.interval_days FROM task_frequencies fr WHERE fr.id = sqlc.narg(frequency_id)::bigint),
           @recurrence_anchor, sqlc.narg(due_date)::date, sqlc.narg(estimated_cost)::numeric
    FROM residence_members m
    WHERE m.residence_id = @residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor')
      AND EXISTS (SELECT 1 FROM quota)
      AND (sqlc.narg(assigned_to)::bigint IS NULL OR EXISTS (
          SELECT 1 FROM residence_members am WHERE am.residence_id = @residence_id AND am.user_id = sqlc.narg(assigned_to)::bigint))
      AND (sqlc.narg(contractor_id)::bigint IS NULL OR EXISTS (
          SELECT 1 FROM contractors ck
          WHERE ck.id = sqlc.narg(contractor_id)::bigint
            AND (ck.residence_id = @residence_id OR (ck.residence_id IS NULL AND ck.created_by = @user_id))))
    RETURNING *
), assigned AS (
    -- The assignee's feed row (task_assigned), written only with the task, and never for assigning oneself.
    INSERT INTO notifications (user_id, kind, title, body, residence_id, task_id, params)
    SELECT ins.assigned_to, 'task_assigned', 'Task assigned to you',
           left(coalesce(nullif(btrim(actor.first_name || ' ' || actor.last_name), ''), actor.email) || ' assigned you "' || ins.title || '"', 2000), ins.residence_id, ins.id,
           jsonb_build_object('actor', left(coalesce(nullif(btrim(actor.first_name || ' ' || actor.last_name), ''), actor.email), 200), 'task', ins.title)
    FROM ins JOIN users actor ON actor.id = ins.created_by
    WHERE ins.assigned_to IS NOT NULL AND ins.assigned_to <> ins.created_by
)
SELECT x.*, task_card_column(x, @threshold_days::integer) AS board_column
FROM ins CROSS JOIN LATERAL task_card(ins) x;

-- name: TaskDelete :one
-- Deletes a task (owners and editors) and returns its residence, whose board version the caller bumps; no
-- row: nothing was deleted.
DELETE FROM tasks t
WHERE t.id = @id
  AND EXISTS (SELECT 1 FROM residence_members m
              WHERE m.residence_id = t.residence_id AND m.user_id = @user_id AND m.role IN ('owner', 'editor'))
RETURNING t.residence_id;

-- name: TaskGet :one
-- One task card; no row when the caller cannot see it. The primary key finds the task, the membership
-- primary key checks access.
SELECT x.*, task_card_column(x, @threshold_days::integer) AS board_column
FROM task_cards x
WHERE x.id = @id
  AND EXISTS (SELECT 1 FROM residence_members m WHERE m.residence_id = x.residence_id AND m.user_id = @user_id);

-- name: TaskListByContractor :many
-- The cards of the tasks naming a contractor, among those the caller can see, soonest due first; empty when
-- the caller cannot see the contractor (a task may name a personal contractor of another member).
SELECT x.*, task_card_column(x, @threshold_days::integer) AS board_column
FROM task_cards x
WHERE x.contractor_id = @contractor_id::bigint
  AND EXISTS (SELECT 1 FROM residence_members m WHERE m.residence_id = x.residence_id AND m.user_id = @user_id)
  AND EXISTS (SELECT 1 FROM contractors k
              WHERE k.id = @contractor_id::bigint
                AND ((k.residence_id IS NULL AND k.created_by = @user_id)
                     OR EXISTS (SELECT 1 FROM residence_members km
                                WHERE km.residence_id = k.residence_id AND km.user_id = @user_id)))
ORDER BY coalesce(x.next_due_date, x.due_date) NULLS LAST, x.priority_level DESC NULLS LAST, x.id;

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
SELECT x.*, task_card_column(x, @threshold_days::integer) AS board_column
FROM upd CROSS JOIN LATERAL task_card(upd) x;

-- name: TaskUpdate :one
-- Changes the fields present (owners and editors). Nullable fields change when their set_ flag is true.
-- Changing the due date clears the next due date (the user is setting the next occurrence); changing the
-- frequency copies its interval. The assignee must be a member of the task's residence, and the contractor
-- one of that residence or a personal contractor of the caller. A new assignee other than the caller gets a
-- task_assigned feed row, written only with the change; prev is the assignee in the statement's snapshot
-- (so two concurrent updates that both set the same new assignee may both notify).
WITH prev AS (
    SELECT t.assigned_to FROM tasks t WHERE t.id = @id
), upd AS (
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
), assigned AS (
    INSERT INTO notifications (user_id, kind, title, body, residence_id, task_id, params)
    SELECT upd.assigned_to, 'task_assigned', 'Task assigned to you',
           left(coalesce(nullif(btrim(actor.first_name || ' ' || actor.last_name), ''), actor.email) || ' assigned you "' || upd.title || '"', 2000), upd.residence_id, upd.id,
           jsonb_build_object('actor', left(coalesce(nullif(btrim(actor.first_name || ' ' || actor.last_name), ''), actor.email), 200), 'task', upd.title)
    FROM upd JOIN users actor ON actor.id = @user_id
    WHERE upd.assigned_to IS NOT NULL AND upd.assigned_to <> @user_id
      AND upd.assigned_to IS DISTINCT FROM (SELECT prev.assigned_to FROM prev)
)
SELECT x.*, task_card_column(x, @threshold_days::integer) AS board_column
FROM upd CROSS JOIN LATERAL task_card(upd) x;

-- name: TaskWriteChecks :one
-- Explains a refused task write: the caller's role in the residence (residence_id, or else the residence of
-- task_id; '' when not a member or the task does not exist), and whether the assignee and the contractor,
-- when given, pass the checks TaskCreate, TaskUpdate and CompletionCreate make.
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

-- name: TaskBoardByToken :many
-- TaskBoard for the active user a token belongs to (the conditions of AuthTokenUser), for a request whose
-- authentication runs in the same round trip (app.ReadAuthenticated sends AuthTokenUser beside it). The
-- threshold is the request's, else the user's own days_threshold.
WITH me AS (
    SELECT u.id, u.days_threshold FROM auth_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = @token_hash AND u.is_active
)
SELECT x.*, task_card_column(x, coalesce(sqlc.narg(threshold_days)::integer, (SELECT me.days_threshold FROM me))) AS board_column
FROM task_cards x
WHERE x.residence_id IN (SELECT rm.residence_id FROM residence_members rm WHERE rm.user_id = (SELECT me.id FROM me))
  AND (sqlc.narg(residence_id)::bigint IS NULL OR x.residence_id = sqlc.narg(residence_id)::bigint)
ORDER BY coalesce(x.next_due_date, x.due_date) NULLS LAST, x.priority_level DESC NULLS LAST, x.id;
