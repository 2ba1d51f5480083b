-- The read side of tasks, residences and contractors, each defined once, so the queries in db/queries stop
-- repeating the same joins and subqueries:
--   task_cards / task_card / task_card_column: a task as every card shows it (the board, a single task, a
--     contractor's tasks, and what each task write returns) and its board column at a due-soon threshold;
--   residence_counts: a residence's member count and its overdue and due-soon task counts;
--   specialties_json / contractor_specialties: a contractor's specialties as the JSON array cards carry.
-- The due-soon threshold is a parameter everywhere (the caller's setting, users.days_threshold); this file
-- writes no default of its own.
--
-- The functions are SQL functions that PostgreSQL inlines into the calling query (the set-returning ones are
-- STABLE, not STRICT, and called in FROM; task_card_column is a single expression), so the board still
-- reads tasks through tasks_residence_id_idx and each joined row through its primary key
-- (TestBoardQueryPlans checks this). A function with a FROM that is not set-returning would run as a
-- separate query for every row.
--
-- task_cards selects tasks.* as it was when the view was created: a migration that adds a column to tasks
-- and wants it on the cards recreates the view and the functions over its type after it.

-- +goose Up
-- task_card returns rows of the view's type and the view is defined through task_card, so the view is
-- first created with its final columns and no rows (as pg_dump restores such a cycle), then replaced.
-- These placeholders also tell sqlc each column's type and whether it can be NULL (today cannot).
CREATE VIEW task_cards AS
SELECT t.*, NULL::text AS category_name, NULL::text AS priority_name, NULL::integer AS priority_level,
       NULL::text AS frequency_name, NULL::text AS assignee_first_name, NULL::text AS assignee_last_name,
       NULL::text AS contractor_name, now()::date AS today
FROM tasks t
WHERE false;

-- task_card is the card of one task row, in a residence with this timezone: its columns, the names of its
-- lookups, assignee and contractor, and "today" in that timezone. Reads go through task_cards; writes pass
-- the row their RETURNING gives to task_card(t) below (a statement's own changes are invisible to a view
-- over tasks). The caller joins the residence, so the board joins each residence once, not once per task.
-- +goose StatementBegin
CREATE FUNCTION task_card(t tasks, residence_timezone text) RETURNS SETOF task_cards
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT x.*, c.name, p.name, p.level, f.name, a.first_name, a.last_name, k.name,
           (now() AT TIME ZONE residence_timezone)::date
    FROM (SELECT (t).*) x
    LEFT JOIN task_categories c ON c.id = x.category_id
    LEFT JOIN task_priorities p ON p.id = x.priority_id
    LEFT JOIN task_frequencies f ON f.id = x.frequency_id
    LEFT JOIN users a ON a.id = x.assigned_to
    LEFT JOIN contractors k ON k.id = x.contractor_id
$$;
-- +goose StatementEnd

-- task_cards is every task's card. Its task columns come from tasks itself, so conditions on them use the
-- indexes of tasks. It passes ROW(t.*)::tasks rather than t: PostgreSQL then reads each column straight
-- from the task instead of building the task's whole row for every lookup.
CREATE OR REPLACE VIEW task_cards AS
SELECT t.*, c.category_name, c.priority_name, c.priority_level, c.frequency_name, c.assignee_first_name,
       c.assignee_last_name, c.contractor_name, c.today
FROM tasks t
JOIN residences r ON r.id = t.residence_id
CROSS JOIN LATERAL task_card(ROW(t.*)::tasks, r.timezone) c;

-- task_card(t) is the card of a row whose residence the caller has not joined: what a write returns.
-- +goose StatementBegin
CREATE FUNCTION task_card(t tasks) RETURNS SETOF task_cards
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.*
    FROM residences r
    CROSS JOIN LATERAL task_card(t, r.timezone) c
    WHERE r.id = t.residence_id
$$;
-- +goose StatementEnd

-- task_card_column places a card on the board with task_column, the one definition of the columns.
-- +goose StatementBegin
CREATE FUNCTION task_card_column(c task_cards, threshold_days integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT task_column(c.is_cancelled, c.is_archived, c.interval_days, c.completion_count, c.in_progress,
                       coalesce(c.next_due_date, c.due_date), c.today, threshold_days)
$$;
-- +goose StatementEnd

-- residence_counts: how many members a residence has, and how many of its tasks are overdue and due soon
-- at threshold_days, by task_column ("today" in the residence's timezone). Its row type is declared as a
-- view with no rows because sqlc reads the columns of a set-returning function only from the table or view
-- it returns; the queries then select n.* with their types.
CREATE VIEW residence_counts_row AS
SELECT 0::integer AS members_count, 0::integer AS overdue_count, 0::integer AS due_soon_count
WHERE false;

-- +goose StatementBegin
CREATE FUNCTION residence_counts(of_residence bigint, residence_timezone text, threshold_days integer)
RETURNS SETOF residence_counts_row
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (SELECT count(*) FROM residence_members rm WHERE rm.residence_id = of_residence)::integer,
           count(*) FILTER (WHERE c.col = 'overdue')::integer,
           count(*) FILTER (WHERE c.col = 'due_soon')::integer
    FROM tasks t
    CROSS JOIN LATERAL (SELECT task_column(t.is_cancelled, t.is_archived, t.interval_days, t.completion_count,
        t.in_progress, coalesce(t.next_due_date, t.due_date), (now() AT TIME ZONE residence_timezone)::date,
        threshold_days) AS col) c
    WHERE t.residence_id = of_residence
$$;
-- +goose StatementEnd

-- specialties_json is the specialties array a contractor card carries: {id, name, display_order} in
-- display order, as one row. Writes that set a contractor's links pass the ids they wrote (links inserted
-- by a statement are invisible to it); everything else reads the links through contractor_specialties.
-- Both return SETOF jsonb so that PostgreSQL inlines them into a list's query instead of running a
-- function per contractor.
-- +goose StatementBegin
CREATE FUNCTION specialties_json(specialty_ids bigint[]) RETURNS SETOF jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('id', s.id, 'name', s.name, 'display_order', s.display_order)
                              ORDER BY s.display_order, s.id), '[]')
    FROM contractor_specialties s
    WHERE s.id = ANY(specialty_ids)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION contractor_specialties(of_contractor bigint) RETURNS SETOF jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT j
    FROM (SELECT array_agg(l.specialty_id) AS ids FROM contractor_specialty_links l
          WHERE l.contractor_id = of_contractor) linked
    CROSS JOIN LATERAL specialties_json(linked.ids) AS j
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION contractor_specialties;
DROP FUNCTION specialties_json;
DROP FUNCTION residence_counts;
DROP VIEW residence_counts_row;
DROP FUNCTION task_card_column;
DROP FUNCTION task_card(tasks);
-- task_card(tasks, text) returns the view's type and the view calls it: CASCADE drops the pair.
DROP VIEW task_cards CASCADE;
