-- name: NotificationLedgerPlanReminders :execrows
-- Plans the reminders due at @now: for each user, each local day whose reminder hour (preferences, or the
-- defaults) fell within (@now - grace, @now] in the user's timezone, the tasks due the next day (task_due_soon,
-- threshold 1), due the day before (task_overdue, threshold -1) and the warranties expiring 30, 7 or 1 days
-- later (warranty_expiring). A task reminds its assignee, or every member when it has none; a warranty every
-- member. The ledger rows are inserted with ON CONFLICT DO NOTHING and the feed rows are written from what that
-- insert returns, in this one statement: a reminder already planned writes nothing, however often this runs.
-- Local days and hours come from AT TIME ZONE, so a day is a calendar day across daylight-saving changes.
-- Returns the number of feed rows written.
WITH params AS (
    SELECT sqlc.arg(now)::timestamptz AS now, make_interval(0, 0, 0, 0, 0, 0, sqlc.arg(grace_seconds)::bigint) AS grace
), days AS (
    SELECT u.id AS user_id, d.day::date AS day
    FROM params
    CROSS JOIN users u
    LEFT JOIN notification_preferences p ON p.user_id = u.id
    CROSS JOIN notification_preference_defaults dflt
    CROSS JOIN LATERAL generate_series(((params.now - params.grace) AT TIME ZONE u.timezone)::date,
                                       (params.now AT TIME ZONE u.timezone)::date, interval '1 day') d (day)
    CROSS JOIN LATERAL (SELECT (d.day::date + coalesce(p.reminder_hour, dflt.reminder_hour) * interval '1 hour')
                                   AT TIME ZONE u.timezone AS at) s
    WHERE s.at <= params.now AND s.at > params.now - params.grace
), due AS (
    -- LATERAL ... OFFSET 0 keeps each user's lookups inside a nested loop over days: the user's residences by
    -- residence_members_user_id_idx, then per residence the tasks due on one day by tasks_reminder_due_idx and
    -- the warranties by documents_warranty_residence_expiry_idx, whatever the estimate of how many users' hour
    -- has come (a hash join over every task or document would read them all every 15 minutes).
    SELECT days.user_id, x.kind, x.item_id, x.threshold, x.occurrence, x.residence_id, x.task_id, x.document_id, x.title
    FROM days
    CROSS JOIN LATERAL (
        SELECT k.kind, t.id AS item_id, k.threshold, coalesce(t.next_due_date, t.due_date) AS occurrence,
               t.residence_id, t.id AS task_id, NULL::bigint AS document_id, t.title
        FROM residence_members m
        CROSS JOIN (SELECT 'task_due_soon'::text AS kind, 1 AS threshold UNION ALL SELECT 'task_overdue', -1) k
        JOIN tasks t ON t.residence_id = m.residence_id
            AND coalesce(t.next_due_date, t.due_date) = days.day + k.threshold
            AND NOT t.is_cancelled AND NOT t.is_archived
        WHERE m.user_id = days.user_id
          AND (t.assigned_to IS NULL OR t.assigned_to = days.user_id)
          AND NOT (t.interval_days IS NULL AND t.completion_count > 0)
        UNION ALL
        SELECT 'warranty_expiring', d.id, k.threshold, d.expiry_date, d.residence_id, NULL::bigint, d.id, d.title
        FROM residence_members m
        CROSS JOIN (SELECT 30 AS threshold UNION ALL SELECT 7 UNION ALL SELECT 1) k
        JOIN documents d ON d.residence_id = m.residence_id AND d.doc_type = 'warranty'
            AND d.expiry_date = days.day + k.threshold
        WHERE m.user_id = days.user_id
        OFFSET 0
    ) x
), planned AS (
    INSERT INTO notification_ledger (user_id, kind, item_id, threshold, occurrence)
    SELECT user_id, kind, item_id, threshold, occurrence FROM due
    ON CONFLICT DO NOTHING
    RETURNING user_id, kind, item_id, threshold, occurrence
)
INSERT INTO notifications (user_id, kind, title, body, residence_id, task_id, document_id, params)
SELECT due.user_id, due.kind,
       left(CASE due.kind WHEN 'task_due_soon' THEN 'Due tomorrow: ' WHEN 'task_overdue' THEN 'Overdue: '
            ELSE 'Warranty expires in ' || due.threshold || CASE due.threshold WHEN 1 THEN ' day: ' ELSE ' days: ' END
            END || due.title, 200),
       left(CASE due.kind WHEN 'task_due_soon' THEN '"' || due.title || '" is due on ' || due.occurrence
            WHEN 'task_overdue' THEN '"' || due.title || '" was due on ' || due.occurrence
            ELSE 'The warranty "' || due.title || '" expires on ' || due.occurrence END, 2000),
       due.residence_id, due.task_id, due.document_id,
       jsonb_build_object('item', due.title, 'date', due.occurrence, 'days', due.threshold)
FROM planned
JOIN due USING (user_id, kind, item_id, threshold, occurrence);

-- name: NotificationLedgerPurge :execrows
-- Forgets the planned reminders about occurrences before @before, which no planner run can reach any more.
DELETE FROM notification_ledger WHERE occurrence < @before;
